// SPDX-License-Identifier: MIT
#include "publish/defectplan.h"

#include <QRandomGenerator>
#include <QSet>

namespace dualscope::publish {

const char *defectName(Defect defect)
{
    switch (defect) {
    case Defect::Missing:
        return "missing";
    case Defect::Duplicate:
        return "duplicate";
    case Defect::WrongChannel:
        return "wrong_channel";
    case Defect::Oversized:
        return "oversized";
    case Defect::Late:
        return "late";
    case Defect::Orphan:
        return "orphan";
    case Defect::Unparseable:
        return "unparseable";
    }
    return "?";
}

std::optional<Defect> defectFromName(QByteArrayView name)
{
    for (const Defect defect : kAllDefects) {
        if (name == QByteArrayView(defectName(defect)))
            return defect;
    }
    return std::nullopt;
}

bool isExtraMessage(Defect defect)
{
    return defect == Defect::Orphan || defect == Defect::Unparseable;
}

std::optional<DefectPlan> DefectPlan::parse(const QStringList &entries, qint64 events, quint32 seed,
                                            QString *error)
{
    QHash<Defect, qint64> counts;
    for (const QString &entry : entries) {
        const qsizetype eq = entry.indexOf(u'=');
        const std::optional<Defect> defect =
            eq > 0 ? defectFromName(entry.left(eq).toUtf8()) : std::nullopt;
        bool ok = false;
        const qint64 n = eq > 0 ? entry.mid(eq + 1).toLongLong(&ok) : 0;
        if (!defect) {
            QStringList names;
            for (const Defect known : kAllDefects)
                names.append(QLatin1String(defectName(known)));
            *error = QStringLiteral("--inject '%1': the kind is one of %2 (KIND=N)")
                         .arg(entry, names.join(QLatin1String(", ")));
            return std::nullopt;
        }
        if (!ok || n < 0) {
            *error = QStringLiteral("--inject '%1': N is a whole number of 0 or more").arg(entry);
            return std::nullopt;
        }
        counts[*defect] += n;
    }
    return fromCounts(counts, events, seed, error);
}

std::optional<DefectPlan> DefectPlan::fromCounts(const QHash<Defect, qint64> &counts, qint64 events,
                                                 quint32 seed, QString *error)
{
    DefectPlan plan;
    plan.m_seed = seed;
    qint64 own = 0;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it.value() <= 0)
            continue;
        plan.m_counts.insert(it.key(), it.value());
        plan.m_total += it.value();
        if (!isExtraMessage(it.key()))
            own += it.value();
    }
    if (own > events) {
        *error = QStringLiteral("%1 defects of an event's own notification are asked for, but "
                                "the run has %2 events: each event takes at most one")
                     .arg(own)
                     .arg(events);
        return std::nullopt;
    }
    if (plan.m_total > 0 && events <= 0) {
        *error = QStringLiteral("defects need a run of at least one event");
        return std::nullopt;
    }
    QRandomGenerator random(seed);
    // Distinct events for the own defects: a partial shuffle of the first `own`.
    QSet<quint64> taken;
    for (const Defect defect : kAllDefects) {
        if (isExtraMessage(defect))
            continue;
        for (qint64 i = 0; i < plan.m_counts.value(defect); ++i) {
            quint64 ticket;
            do {
                ticket = random.bounded(quint64(events));
            } while (taken.contains(ticket));
            taken.insert(ticket);
            plan.m_own.insert(ticket, defect);
        }
    }
    for (const Defect defect : {Defect::Orphan, Defect::Unparseable}) {
        for (qint64 i = 0; i < plan.m_counts.value(defect); ++i)
            plan.m_extras[random.bounded(quint64(events))].append(defect);
    }
    return plan;
}

std::optional<Defect> DefectPlan::ownDefect(quint64 ticket) const
{
    const auto it = m_own.constFind(ticket);
    return it == m_own.cend() ? std::nullopt : std::optional<Defect>(*it);
}

QList<Defect> DefectPlan::extrasAfter(quint64 ticket) const
{
    return m_extras.value(ticket);
}

} // namespace dualscope::publish
