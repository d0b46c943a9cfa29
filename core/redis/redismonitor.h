// SPDX-License-Identifier: MIT
#pragma once

#include "redis/pubsubtypes.h"
#include "redis/redisconnection.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>

class QTimer;

namespace dualscope::redis {

// A period when our own subscription was down: the checker cannot judge what
// fell into it.
struct SubscriptionOutage
{
    qint64 startMs = 0;
    qint64 endMs = -1; // -1 while still down
    RedisError::Kind kind = RedisError::Kind::ConnectionLost;
    QString cause;
    // The server closed the connection (CLIENT KILL, shutdown, or the pubsub output
    // buffer limit when we fall behind), as opposed to a network error.
    bool closedByServer = false;
    // Redis could not be reached when the monitor started: the outage begins at
    // start() and ends at the first subscription.
    bool beforeFirstSubscription = false;
};

// Watches Redis Pub/Sub: pattern and exact-channel subscriptions, added and removed
// live, one server subscription per pattern however many consumers want it (they
// share the batches of messages(), each taking the patterns it asked for).
// Reconnects with backoff, resubscribes, and records each outage. Memory is
// bounded without losing a message on our side: once bufferLimit messages wait
// for the next batch (or a consumer's backlog passes its bound) the monitor stops
// reading its socket, and Redis holds the rest. If Redis then cuts the subscription
// for its output buffer, that is an outage like any other.
//
// Threading: move to a worker thread, then invoke start() there; every method on
// that thread (queued from elsewhere). Signals are emitted on that thread.
class RedisMonitor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisMonitor)

public:
    struct Options
    {
        RedisConnection::Options connection;
        // Batches reach consumers at most this often (STYLE.md: never one signal
        // per message).
        int batchIntervalMs = 50;
        // Messages waiting for the next batch before reading pauses.
        qsizetype bufferLimit = 50'000;
        // Optional: messages handed out and not yet taken in by the consumer (it
        // subtracts what it has processed). Past maxConsumerBacklog, reading pauses
        // until the consumer is back under half of it.
        std::shared_ptr<std::atomic<qint64>> consumerBacklog = {};
        qint64 maxConsumerBacklog = 100'000;
        // Per-channel counters kept at most for this many channels; more are
        // counted under droppedChannelStats.
        int maxTrackedChannels = 10'000;
        // 0 = no PUBSUB polling (no second connection).
        int activeChannelPollMs = 0;
        // A PING on the subscribed connection this often: Redis answers it behind
        // every message it queued before, so its answer bounds the delivery time of
        // those messages and measures how far behind the monitor reads (0 = off).
        int pingIntervalMs = 20;
        // Messages wait for the next PING answer, so that it stamps them; longer
        // than this, they go out stamped with their receipt time.
        int holdForPongMs = 200;
        // Per-channel counts and rates (the GUI's channel tree); the checker needs none.
        bool trackChannelStats = true;
        // Where a notification's id and type are: each message's `fields` are read
        // with them here, off the consumer's thread (a live view shows them). None:
        // not read (the checker parses each payload itself).
        std::optional<event::FieldPointers> readFields = std::nullopt;
    };

    explicit RedisMonitor(Options options, QObject *parent = nullptr);
    ~RedisMonitor() override;

    void start();
    void stop();

    // Reference-counted: the server subscription is made by the first call and
    // removed by the last unsubscribe. False (and *error) for a malformed pattern.
    bool subscribe(const QByteArray &name, bool isPattern, QString *error = nullptr);
    void unsubscribe(const QByteArray &name, bool isPattern);

    bool isUp() const { return m_up; }
    // Every requested subscription is confirmed by the server.
    bool isFullySubscribed() const;
    QList<SubscriptionOutage> outages() const { return m_outages; }
    qint64 receivedMessages() const { return m_received; }
    QList<ChannelStats> channelStats() const;

signals:
    void messages(const QList<dualscope::redis::PubSubMessage> &batch);
    // After every batch interval (with or without messages): every message Redis
    // queued for us before this wall-clock time has been emitted. While subscribed
    // it is the send time of the last answered PING (everything queued before it
    // came first), so a monitor that reads late says so instead of claiming "now";
    // while the subscription is down, nothing more can come, and it is now.
    // Consumers judge "has the notification come?" against this, never their clock.
    void deliveredUpTo(qint64 wallMs);
    // At each PING answer: how long the answer took, i.e. how far behind the
    // monitor reads its subscription (the queue in front of it), in ms.
    void lagSampled(qint64 lagMs);
    // All subscriptions confirmed, once per connection (after start, after each
    // reconnect; a subscription added later is told by subscriptionConfirmed());
    // after a reconnect, outageEnded() comes first.
    void subscribed();
    // Redis confirmed this subscription at `atMs` (wall clock): every message on it
    // published from then on reaches messages(). Also when a subscribe() found it
    // already confirmed for another consumer (then `atMs` is the call's time), and
    // again after each reconnect.
    void subscriptionConfirmed(const QByteArray &name, bool isPattern, qint64 atMs);
    void outageStarted(const dualscope::redis::SubscriptionOutage &outage);
    void outageEnded(const dualscope::redis::SubscriptionOutage &outage);
    void activeChannelsPolled(const dualscope::redis::ActiveChannels &active);
    // The first connection failed for a reason retrying cannot fix (a refused
    // password or database, a peer that is not Redis, TLS that cannot work): nothing
    // to watch. A Redis that is merely unreachable at start is an outage instead
    // (beforeFirstSubscription), and the monitor keeps trying.
    void startFailed(const QString &error);

private:
    struct Subscription
    {
        int consumers = 0;
        bool confirmed = false;
    };

    void onPush(const RespReply &reply);
    void onReady();
    void onFullySubscribed();
    void onError(const RedisError &error);
    void flush();
    void sendSubscribe(const QByteArray &name, bool isPattern, bool subscribe);
    void pollActiveChannels();
    void recordMessage(QByteArray channel, QByteArray pattern, QByteArray payload);
    void sendPing();
    void onPong();
    void emitMessages(bool everything);
    // Pauses reading when the buffer or the consumer's backlog is full, resumes below half.
    void updateReadingPause();
    qint64 clockMs() const;
    bool pingClockActive() const;

    Options m_options;
    std::optional<event::FieldReader> m_fieldReader;
    RedisConnection *m_connection = nullptr;
    RedisConnection *m_control = nullptr;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_pollTimer = nullptr;
    QTimer *m_pingTimer = nullptr;
    // Send times of PINGs not answered yet, oldest first (pongs come in order).
    std::deque<qint64> m_pingsInFlight;
    // m_buffer[0, m_stamped) has its deliveredMs from a PING answer.
    qsizetype m_stamped = 0;
    // Everything Redis queued for us before this time has been read.
    qint64 m_readUpToMs = 0;
    QHash<QByteArray, Subscription> m_patterns;
    QHash<QByteArray, Subscription> m_channels;
    QList<PubSubMessage> m_buffer;
    QHash<QByteArray, ChannelStats> m_stats;
    QHash<QByteArray, qint64> m_countAtLastSecond;
    qint64 m_lastRateNs = 0;
    QList<SubscriptionOutage> m_outages;
    bool m_up = false;
    bool m_everUp = false;
    qint64 m_startedAtMs = 0;
    bool m_wasFullySubscribed = false;
    bool m_readingPaused = false;
    qint64 m_droppedChannelStats = 0;
    qint64 m_received = 0;
};

} // namespace dualscope::redis

Q_DECLARE_METATYPE(dualscope::redis::SubscriptionOutage)
