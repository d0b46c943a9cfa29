// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <optional>

namespace dualscope::publish {

// A defect staged on the publisher's path only (the checker keeps watching, so what
// it finds is really there), exact in count.
enum class Defect {
    Missing,      // the event's notification is not sent
    Duplicate,    // it is sent twice
    WrongChannel, // it goes to "events:misrouted:<source_id>" (still on events:*)
    Oversized,    // it carries the event's payload: the contract says ids only
    Late,         // it is held back injectDelayMs
    Orphan,       // an extra notification whose id no record has
    Unparseable,  // an extra message on the event's channel that is not JSON
};

inline constexpr Defect kAllDefects[] = {
    Defect::Missing, Defect::Duplicate, Defect::WrongChannel, Defect::Oversized,
    Defect::Late,    Defect::Orphan,    Defect::Unparseable};

// The check's name of the gap a defect stages ("missing", "wrong_channel", ...).
const char *defectName(Defect defect);
std::optional<Defect> defectFromName(QByteArrayView name);
// Orphan and Unparseable add a message; the others change the event's own one.
bool isExtraMessage(Defect defect);

// Where in a run of N events each staged defect goes: distinct events for the
// defects of an event's own notification, any events for the extra messages,
// chosen at random (a seed makes a run repeatable). Plain value; any thread.
class DefectPlan
{
public:
    // "missing=10" and the like, as --inject takes them; false and *error (naming the
    // entry) for an unknown kind, a count that is not a whole number, or more
    // per-event defects than the run has events.
    static std::optional<DefectPlan> parse(const QStringList &entries, qint64 events, quint32 seed,
                                           QString *error);
    // The same from counts (the GUI's spin boxes).
    static std::optional<DefectPlan> fromCounts(const QHash<Defect, qint64> &counts, qint64 events,
                                                quint32 seed, QString *error);

    bool isEmpty() const { return m_total == 0; }
    qint64 count(Defect defect) const { return m_counts.value(defect); }
    quint32 seed() const { return m_seed; }

    // The defect of event `ticket`'s own notification, if any.
    std::optional<Defect> ownDefect(quint64 ticket) const;
    // Extra messages sent after event `ticket`'s notification.
    QList<Defect> extrasAfter(quint64 ticket) const;

private:
    QHash<Defect, qint64> m_counts;
    QHash<quint64, Defect> m_own;
    QHash<quint64, QList<Defect>> m_extras;
    qint64 m_total = 0;
    quint32 m_seed = 0;
};

} // namespace dualscope::publish
