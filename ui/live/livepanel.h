// SPDX-License-Identifier: MIT
#pragma once

#include "check/feeditem.h"
#include "gap/gaptypes.h"
#include "redis/pubsubtypes.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QString>
#include <QWidget>
#include <utility>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;
class QTreeView;

namespace dualscope::ui {

class ElidedLabel;

class ChannelTreeModel;
class LiveMessageModel;

// The live Redis channel view: the subscription list, the channel tree, the message
// table with a filter, pause and follow-tail, and the JSON of the selected message.
// Batches from the monitor are coalesced so the views move at most ~30 times a
// second; while paused they wait (bounded by the history capacity, the excess let
// go and counted). GUI thread only.
class LivePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LivePanel)

public:
    explicit LivePanel(QWidget *parent = nullptr);
    ~LivePanel() override;

    // The monitor's batches (connected queued to RedisMonitor::messages).
    void appendMessages(const QList<dualscope::redis::PubSubMessage> &batch);
    void setActiveChannels(const dualscope::redis::ActiveChannels &active);
    // The subscriptions already made (name, isPattern); emits nothing.
    void setSubscriptions(const QList<std::pair<QByteArray, bool>> &subscriptions);
    QList<std::pair<QByteArray, bool>> subscriptions() const; // name, isPattern

    // Match verdicts from the checker, by notification id. Gaps set the kind name
    // ("wrong_channel", "duplicate", "late", ...) on the held row of that id.
    void applyGaps(const QList<dualscope::gap::Gap> &gaps);
    // The checker's newest matches: "matched", the latency and the record's place.
    void applyMatches(const QList<dualscope::gap::MatchedEvent> &matches);
    // Where events stand in the checker (asked for the rows loaded from Kafka): a
    // judged one shows its verdict; the others keep theirs until one comes.
    void applyStatuses(const QList<dualscope::gap::EventStatus> &statuses);
    // The client-connects-mid-stream edge: the last `requested` events of the topic,
    // loaded from Kafka once the subscriptions `asked` were confirmed at
    // `confirmedMs`. Those on channels that these subscriptions (still held)
    // receive become rows marked as from Kafka, placed before what arrived after
    // the confirmation; an event already shown is shown once.
    void addRecentEvents(const QList<dualscope::check::FeedItem> &items, qint64 confirmedMs,
                         const QList<std::pair<QByteArray, bool>> &asked, int requested);
    // The same edge after an outage of the subscriptions (Redis unreachable from
    // `downFromMs` to `downToMs`, when they were confirmed again): of the topic's
    // last `requested` events, those stamped from `sinceMs` on (the outage, and
    // the moments before it when a notification may have been on its way) fill the
    // hole the outage left, marked as from Kafka; the status says how long Redis
    // was down and whether the outage may hold more events than were loaded.
    void addOutageEvents(const QList<dualscope::check::FeedItem> &items, qint64 downFromMs,
                         qint64 downToMs, qint64 sinceMs,
                         const QList<std::pair<QByteArray, bool>> &asked, int requested);
    // The load failed: the view goes on live only, and says why.
    void setRecentEventsError(const QString &error);

    // Selects and scrolls to the newest held row with this id; false when it is not
    // held (let go, not arrived) or hidden by the filter.
    bool selectNotification(const QByteArray &id);

    qsizetype historyCapacity() const;
    void setHistoryCapacity(qsizetype rows);

    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);
    bool followTail() const;
    void setFollowTail(bool follow);
    // Messages waiting for the next view update (or for the end of the pause).
    qsizetype pendingCount() const { return m_pending.size(); }
    // Rows let go from the history plus messages let go while waiting.
    qint64 droppedCount() const;
    qint64 shownCount() const { return m_shown; }

    LiveMessageModel *messageModel() const { return m_model; }
    ChannelTreeModel *channelModel() const { return m_tree; }
    QSortFilterProxyModel *filterModel() const { return m_proxy; }
    QTableView *messageView() const { return m_table; }

signals:
    void subscribeRequested(const QByteArray &name, bool isPattern);
    void unsubscribeRequested(const QByteArray &name, bool isPattern);
    void pausedChanged(bool paused);
    // "Show in Kafka" on the selected message: its record's place.
    void showRecordRequested(qint32 partition, qint64 offset);

private:
    // Inserts the items on channels that the subscriptions `asked` (still held)
    // receive, before what arrived after `confirmedMs`; how many were on those
    // channels, and how many of them the view already held.
    struct KafkaInsert
    {
        qsizetype added = 0;
        qsizetype onTheseChannels = 0;
        qsizetype alreadyShown = 0;
    };
    KafkaInsert insertFromKafka(const QList<dualscope::check::FeedItem> &items, qint64 confirmedMs,
                                const QList<std::pair<QByteArray, bool>> &asked);
    void flush();
    void addSubscription();
    void removeSubscription();
    void addSubscriptionItem(const QByteArray &name, bool isPattern);
    void showSelected();
    void updateStatus();
    struct Verdict
    {
        QString state;
        qint64 latencyMs = -1;
        qint32 partition = -1;
        qint64 offset = -1;
    };
    void setState(const QByteArray &id, const Verdict &verdict);
    void updateShowInKafka();

    LiveMessageModel *m_model = nullptr;
    ChannelTreeModel *m_tree = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    QTreeView *m_treeView = nullptr;
    QLineEdit *m_filter = nullptr;
    QPushButton *m_pauseButton = nullptr;
    QCheckBox *m_follow = nullptr;
    ElidedLabel *m_status = nullptr;
    QPlainTextEdit *m_detail = nullptr;
    // On the table's context menu, on a double click and on Ctrl+K: no toolbar
    // room is taken on a laptop screen.
    QAction *m_showInKafka = nullptr;
    QListWidget *m_subscriptionList = nullptr;
    QLineEdit *m_newSubscription = nullptr;
    QComboBox *m_subscriptionKind = nullptr;
    QLabel *m_subscriptionError = nullptr;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_rateTimer = nullptr;
    QElapsedTimer m_clock;

    QList<redis::PubSubMessage> m_pending;
    QHash<QByteArray, qint64> m_pendingChannelCounts;
    qint64 m_pendingDropped = 0;
    qint64 m_shown = 0;
    bool m_paused = false;
    // What the last load of recent events from Kafka did, for the status line.
    QString m_recentNote;
    // Verdicts that overtook their message (still waiting in m_pending); applied at
    // the next flush, then forgotten.
    QHash<QByteArray, Verdict> m_earlyStates;
};

} // namespace dualscope::ui
