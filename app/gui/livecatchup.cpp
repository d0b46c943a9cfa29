// SPDX-License-Identifier: MIT
#include "livecatchup.h"

#include "check/recentevents.h"
#include "live/livepanel.h"
#include "redis/redismonitor.h"

#include <algorithm>

namespace dualscope::app {

LiveCatchUp::LiveCatchUp(ui::LivePanel *live, check::RecentEventsLoader *loader, qint64 graceMs,
                         int recentCount, QObject *parent)
    : QObject(parent), m_live(live), m_loader(loader), m_graceMs(graceMs),
      m_recentCount(recentCount)
{
    connect(m_loader, &check::RecentEventsLoader::loaded, this, &LiveCatchUp::onLoaded);
}

void LiveCatchUp::expect(const Subscription &subscription)
{
    m_awaiting.append(subscription);
}

void LiveCatchUp::forget(const Subscription &subscription)
{
    m_awaiting.removeAll(subscription);
}

void LiveCatchUp::onSubscriptionConfirmed(const QByteArray &name, bool isPattern, qint64 atMs)
{
    if (!m_awaiting.removeOne(Subscription{name, isPattern}))
        return; // the checker's, or a resubscription after an outage
    // Subscriptions confirmed together (at start) share one load.
    if (m_confirmed.isEmpty()) {
        m_confirmedMs = atMs;
        QMetaObject::invokeMethod(this, &LiveCatchUp::loadConfirmed, Qt::QueuedConnection);
    }
    m_confirmed.append({name, isPattern});
    m_confirmedMs = std::min(m_confirmedMs, atMs);
}

void LiveCatchUp::loadConfirmed()
{
    if (m_confirmed.isEmpty())
        return;
    request({m_confirmedMs, m_confirmed});
    m_confirmed.clear();
}

void LiveCatchUp::onOutageEnded(const redis::SubscriptionOutage &outage)
{
    // Unreachable at start: the first confirmations load the recent events already.
    if (outage.beforeFirstSubscription || outage.endMs < 0)
        return;
    const QList<Subscription> asked = m_live->subscriptions();
    if (!asked.isEmpty())
        request({outage.endMs, asked, outage.startMs});
}

void LiveCatchUp::request(const Load &load)
{
    if (m_stopped)
        return;
    const quint64 ticket = ++m_nextTicket;
    m_loads.insert(ticket, load);
    // Queued to its thread: the cut through the topic is read after the confirmation.
    QMetaObject::invokeMethod(m_loader, [loader = m_loader, ticket] { loader->load(ticket); });
}

void LiveCatchUp::onLoaded(quint64 ticket, const check::RecentEvents &events)
{
    const Load load = m_loads.take(ticket);
    if (!events.ok) {
        qWarning("live view: the recent events were not loaded: %s", qPrintable(events.error));
        m_live->setRecentEventsError(events.error);
        return;
    }
    if (load.outageStartMs < 0)
        m_live->addRecentEvents(events.items, load.confirmedMs, load.asked, m_recentCount);
    else // a notification sent up to a grace window before the drop may have been lost
        m_live->addOutageEvents(events.items, load.outageStartMs, load.confirmedMs,
                                load.outageStartMs - m_graceMs, load.asked, m_recentCount);
    // Their verdicts, where the checker still remembers them (a few grace windows).
    QList<QByteArray> ids;
    for (const check::FeedItem &item : events.items)
        ids.append(item.id);
    if (!ids.isEmpty())
        emit statusesWanted(ids);
}

} // namespace dualscope::app
