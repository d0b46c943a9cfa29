// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <utility>

namespace dualscope::check {
class RecentEventsLoader;
struct RecentEvents;
} // namespace dualscope::check
namespace dualscope::redis {
struct SubscriptionOutage;
} // namespace dualscope::redis
namespace dualscope::ui {
class LivePanel;
} // namespace dualscope::ui

namespace dualscope::app {

// The live view's edge of a client that connects mid-stream (docs/design.md, "A
// viewer that connects mid-stream"): once Redis confirms subscriptions the user
// asked for, or all of them again after an outage, the topic's last events are
// loaded from Kafka (a RecentEventsLoader on a thread of its own) and handed to
// the live view, and the checker is asked where those events stand.
//
// GUI thread. Owns neither the loader nor the panel; both outlive it.
class LiveCatchUp final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveCatchUp)

public:
    using Subscription = std::pair<QByteArray, bool>; // name, isPattern

    // `graceMs`: the checker's, how long a notification may have been on its way
    // when Redis went down. `recentCount`: how many events a load reads.
    LiveCatchUp(ui::LivePanel *live, check::RecentEventsLoader *loader, qint64 graceMs,
                int recentCount, QObject *parent = nullptr);

    // A subscription the live view asked for: its confirmation starts a load.
    void expect(const Subscription &subscription);
    void forget(const Subscription &subscription);
    // From the Redis monitor: the checker's own confirmations and resubscriptions
    // after an outage start nothing here.
    void onSubscriptionConfirmed(const QByteArray &name, bool isPattern, qint64 atMs);
    void onOutageEnded(const dualscope::redis::SubscriptionOutage &outage);
    // No further loads (the window closes).
    void stop() { m_stopped = true; }

signals:
    // The ids of loaded events, for the checker's word on them.
    void statusesWanted(const QList<QByteArray> &ids);

private:
    struct Load
    {
        qint64 confirmedMs = 0;
        QList<Subscription> asked;
        // After an outage: when Redis went down (confirmedMs: when it was back);
        // -1: a start mid-stream.
        qint64 outageStartMs = -1;
    };

    void loadConfirmed();
    void request(const Load &load);
    void onLoaded(quint64 ticket, const dualscope::check::RecentEvents &events);

    ui::LivePanel *m_live;
    check::RecentEventsLoader *m_loader;
    const qint64 m_graceMs;
    const int m_recentCount;
    bool m_stopped = false;
    // Asked for and not yet confirmed; confirmed since the last load was asked
    // (and the earliest confirmation); the loads under way, by ticket.
    QList<Subscription> m_awaiting;
    QList<Subscription> m_confirmed;
    qint64 m_confirmedMs = 0;
    QHash<quint64, Load> m_loads;
    quint64 m_nextTicket = 0;
};

} // namespace dualscope::app
