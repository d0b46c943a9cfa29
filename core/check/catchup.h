// SPDX-License-Identifier: MIT
#pragma once

#include "check/feeditem.h"
#include "check/recentevents.h"
#include "gap/gaptypes.h"
#include "kafka/kafkaconfig.h"
#include "redis/redisurl.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QLoggingCategory>
#include <QMetaType>
#include <QObject>
#include <QSet>
#include <atomic>

class QThread;
class QTimer;

namespace dualscope::kafka {
class KafkaTail;
struct KafkaRecord;
} // namespace dualscope::kafka
namespace dualscope::redis {
class RedisMonitor;
struct PubSubMessage;
} // namespace dualscope::redis

namespace dualscope::check {

Q_DECLARE_LOGGING_CATEGORY(lcCatchUp)

struct CatchUpConfig
{
    QByteArray kafkaBootstrap;
    kafka::Properties kafkaProperties;
    QByteArray topic = "events";
    redis::RedisUrl redisUrl;
    QList<QByteArray> patterns{QByteArrayLiteral("events:*")};
    // Where the ids (and type, source id) are in Kafka values and in notifications.
    gap::FieldMapping mapping;
    // Gives a Kafka item the channel its notification is expected on.
    event::ChannelTemplate channelTemplate = event::ChannelTemplate::defaultTemplate();
    // The last N events of the topic over all partitions, by record timestamp.
    int recentCount = 100;
    // Ids remembered to de-duplicate the live stream (oldest forgotten first). The
    // window holds at least recentCount ids, so every loaded id is remembered.
    int dedupWindow = 100'000;
    // After the load, also tail Kafka from exactly where the pages ended and merge
    // those records into live() (de-duplicated by id against the notifications):
    // an event whose notification was lost (Redis outage, publisher crash between
    // the two writes) still reaches the viewer, from Kafka. Both copies meet in
    // the window: a tail lagging more than dedupWindow events behind Redis shows
    // an event twice.
    bool followKafka = true;
    // Bounds the Redis subscription and the Kafka metadata request: an unreachable
    // peer or an unknown topic fails within it.
    int connectTimeoutMs = 5000;
    // Bounds the whole Kafka load (metadata, watermarks, one page per partition,
    // a few round trips each: a distant cluster needs seconds).
    int loadTimeoutMs = 30'000;
    // Notifications held while the Kafka pages load; beyond it they are dropped and
    // counted (bufferOverflow), so a slow load under heavy traffic stays bounded.
    qsizetype maxBuffered = 200'000;

    // A negative count, an empty window, a non-positive timeout, an empty topic or pattern list, an
    // invalid pattern or field mapping. The error says which.
    static bool validate(const CatchUpConfig &config, QString *error);
};

struct CatchUpCounters
{
    // Events handed out by recentEvents().
    qint64 loaded = 0;
    // Items handed out by live(), from either stream.
    qint64 liveDelivered = 0;
    // Items dropped because their id was already handed out (loaded, or live within
    // the window). With followKafka, about one per event is normal: the copy from
    // the slower of the two streams.
    qint64 duplicatesDropped = 0;
    // Kafka values and notifications without a usable id (not JSON, no id, ...).
    qint64 unparseable = 0;
    // Of the notifications received while the pages loaded: delivered after the
    // load, and dropped because the load already showed the event (also counted in
    // duplicatesDropped).
    qint64 bufferedDelivered = 0;
    qint64 bufferedDropped = 0;
    // Notifications dropped because more than maxBuffered arrived during the load.
    qint64 bufferOverflow = 0;
    // Of liveDelivered: items that came from the Kafka tail rather than from Redis.
    qint64 liveFromKafka = 0;
};

// The ids of the last `capacity` insertions, to de-duplicate a stream in bounded
// memory. Insertion order decides what is forgotten (a ring): a repeated id does not
// refresh its place, since a stream's duplicates come soon after the original.
// Plain class; one thread at a time.
class IdWindow
{
public:
    explicit IdWindow(qsizetype capacity);

    // False, and nothing changes, when the id is already remembered.
    bool insert(const QByteArray &id);
    bool contains(const QByteArray &id) const { return m_ids.contains(id); }
    qsizetype size() const { return m_ids.size(); }
    qsizetype capacity() const { return m_capacity; }

private:
    qsizetype m_capacity;
    QList<QByteArray> m_ring;
    qsizetype m_next = 0;
    QSet<QByteArray> m_ids;
};

// docs/design.md's "client connects mid-stream": subscribe to Redis first, so that
// nothing published from then on is lost, and buffer the notifications; then load
// the last recentCount events from Kafka; hand them out; then the buffered
// notifications minus those the load already showed; then the live stream,
// de-duplicated by id.
//
// The load reads every partition's watermarks at one moment (after the
// subscription is confirmed) and pages each partition up to that moment, so the
// recent events are the newest of one cut through the topic; the optional Kafka
// tail then starts exactly at that cut (KafkaTail From::Offsets). Records merge by
// (timestamp, partition, offset); unparseable records are counted and skipped
// before choosing the newest, and a Kafka id repeated in the load is shown once.
//
// Threading: create it in, or move it to, a thread with an event loop and call
// every method there; it never blocks that thread (the GUI thread is fine) except
// in stop(), which waits for its threads: the Redis monitor runs on a thread of its
// own, the blocking Kafka load and the tail on another. Signals are emitted on the
// feed's thread, in order: subscribed(), loadProgress() per partition,
// recentEvents() once, then live() batches;
// or failed() at any point before recentEvents(), after which nothing follows.
class CatchUpFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatchUpFeed)

public:
    explicit CatchUpFeed(CatchUpConfig config, QObject *parent = nullptr);
    ~CatchUpFeed() override;

    void start();
    // Idempotent. Waits for the peers' threads: at most until the current Kafka
    // request of a running load times out. No signal follows.
    void stop();

    CatchUpCounters counters() const { return m_counters; }
    // Where the load ended in each partition (the next offset after it), once
    // recentEvents() was emitted: what the tail starts from.
    QHash<qint32, qint64> pageEnds() const { return m_pageEnds; }

signals:
    // Redis confirmed every subscription and the Kafka load begins: every event
    // published from now on reaches recentEvents() or live().
    void subscribed();
    // One more partition's page is loaded (the cut through the topic was taken
    // before the first): for a progress bar.
    void loadProgress(int partitionsDone, int partitions);
    // The last recentCount events (fewer if the topic holds fewer), oldest first.
    void recentEvents(const QList<dualscope::check::FeedItem> &items);
    // New events, each id once; a batch per delivery of the peers (never per item).
    void live(const QList<dualscope::check::FeedItem> &items);
    // Unknown topic, unreachable peer, a phase over its timeout: nothing follows.
    void failed(const QString &error);

private:
    enum class State { Idle, Subscribing, Loading, Live, Done };

    void onSubscribed();
    void onMessages(const QList<redis::PubSubMessage> &messages);
    void onLoaded(const RecentEvents &result);
    void onTailRecords(const QList<kafka::KafkaRecord> &records);
    void startTail();
    void fail(const QString &error);
    void stopPeers();

    const CatchUpConfig m_config;
    State m_state = State::Idle;
    QThread *m_redisThread = nullptr;
    QThread *m_kafkaThread = nullptr;
    redis::RedisMonitor *m_monitor = nullptr;
    // Lives on m_kafkaThread: the context the blocking load runs in.
    QObject *m_kafkaWorker = nullptr;
    kafka::KafkaTail *m_tail = nullptr;
    QTimer *m_subscribeTimer = nullptr;
    // Set by stop(): a running load gives up between two Kafka requests.
    std::atomic_bool m_cancel = false;
    QList<FeedItem> m_buffer;
    IdWindow m_window;
    QHash<qint32, qint64> m_pageEnds;
    CatchUpCounters m_counters;
    const FeedItemReader m_reader;
};

} // namespace dualscope::check
