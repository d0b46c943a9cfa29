// SPDX-License-Identifier: MIT
#include "publish/dualpublisher.h"

#include "event/eventcodec.h"
#include "kafka/brokerprobe.h"
#include "kafka/kafkaconfig.h"
#include "redis/rediscommand.h"

#include <QSocketNotifier>
#include <QThread>
#include <QTimer>
#include <QUuid>
#include <chrono>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

namespace dualscope::publish {

Q_LOGGING_CATEGORY(lcPublisher, "dualscope.publisher", QtInfoMsg)

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// How often undelivered work is looked at without a wake-up: a fallback for the
// queue's io event, and the cadence at which outcomes are handed out in batches.
constexpr int kTickMs = 50;
// A full local queue is retried after polling this long for delivery reports.
constexpr int kQueueFullPollMs = 10;

LatencySummary summarize(const metrics::LatencyHistogram &histogram)
{
    return {histogram.count(), histogram.percentile(50), histogram.percentile(90),
            histogram.percentile(99), histogram.max()};
}

} // namespace

const char *toString(RedisOutcome outcome)
{
    switch (outcome) {
    case RedisOutcome::Sent:
        return "sent";
    case RedisOutcome::Skipped:
        return "skipped";
    case RedisOutcome::Failed:
        return "failed";
    case RedisOutcome::NotAttempted:
        return "not-attempted";
    }
    return "?";
}

const char *toString(Ordering ordering)
{
    return ordering == Ordering::KafkaFirst ? "kafka-first" : "parallel";
}

// One event between its produce call and its outcome. Deleted when both the
// Kafka and the Redis parts are known. Holds no more than the notification
// needs: its PUBLISH command, encoded once.
struct DualPublisher::InFlight
{
    QByteArray redisCommand;
    // Staged defects (DefectPlan): of its own notification, and extra messages sent
    // after it (copies, orphans, stray text), already encoded.
    std::optional<Defect> defect;
    bool lateReleased = false;
    QByteArray extraCommands;
    int extraCount = 0;
    qint64 producedAtNs = 0;
    bool kafkaKnown = false;
    bool redisKnown = false;
    InFlight *prev = nullptr;
    InFlight *next = nullptr;
    PublishOutcome outcome;
};

DualPublisher::DualPublisher(PublisherConfig config, QObject *parent)
    : QObject(parent), m_config(std::move(config))
{
}

DualPublisher::~DualPublisher()
{
    stopRedis();
    if (m_producer) {
        // Nothing waits for these any more: drop them so rd_kafka_destroy()
        // does not block on a dead cluster.
        rd_kafka_purge(m_producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(m_producer.get(), 0);
    }
    while (m_liveHead) {
        InFlight *item = m_liveHead;
        unlink(item);
        delete item;
    }
    m_topic.reset();
    m_producer.reset();
    for (int fd : m_wakePipe) {
        if (fd >= 0)
            ::close(fd);
    }
}

void DualPublisher::start()
{
    QString error;
    kafka::Properties properties = kafka::producerDefaults();
    properties += m_config.kafkaProperties;
    kafka::ConfPtr conf = kafka::makeConf(m_config.kafkaBootstrap, properties, &error);
    if (!conf) {
        emit startFailed(error);
        return;
    }
    // The broker refuses larger records after a round trip; refuse them up front.
    bool numeric = false;
    const qsizetype maxBytes =
        kafka::confValue(conf.get(), "message.max.bytes").toLongLong(&numeric);
    if (numeric && maxBytes > 0)
        m_maxEventBytes = maxBytes;
    m_queueLimits =
        QStringLiteral("queue.buffering.max.messages=%1")
            .arg(QString::fromLatin1(kafka::confValue(conf.get(), "queue.buffering.max.messages")));
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &DualPublisher::onDeliveryReport);
    char reason[512];
    m_producer.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason));
    if (!m_producer) {
        emit startFailed(
            QStringLiteral("cannot create the Kafka producer: %1").arg(QString::fromUtf8(reason)));
        return;
    }
    conf.release(); // rd_kafka_new() took it
    m_topic.reset(rd_kafka_topic_new(m_producer.get(), m_config.topic.constData(), nullptr));

    const rd_kafka_metadata_t *metadata = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(m_producer.get(), 0, m_topic.get(), &metadata, m_config.connectTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        emit startFailed(
            kafka::explainKafkaFailure(QStringLiteral("cannot reach Kafka at %1 within %2 ms: %3")
                                           .arg(QString::fromUtf8(m_config.kafkaBootstrap))
                                           .arg(m_config.connectTimeoutMs)
                                           .arg(QString::fromUtf8(rd_kafka_err2str(err))),
                                       m_config.kafkaBootstrap, properties));
        return;
    }
    const rd_kafka_resp_err_t topicErr =
        metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    const int partitions = metadata->topic_cnt == 1 ? metadata->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(metadata);
    if (topicErr != RD_KAFKA_RESP_ERR_NO_ERROR || partitions == 0) {
        emit startFailed(QStringLiteral("Kafka topic '%1' is not available: %2")
                             .arg(QString::fromUtf8(m_config.topic),
                                  QString::fromUtf8(rd_kafka_err2str(topicErr))));
        return;
    }

    // Wake this thread's event loop as soon as delivery reports are queued,
    // instead of waiting for the next tick.
    if (::pipe2(m_wakePipe, O_NONBLOCK | O_CLOEXEC) == 0) {
        rd_kafka_queue_t *mainQueue = rd_kafka_queue_get_main(m_producer.get());
        rd_kafka_queue_io_event_enable(mainQueue, m_wakePipe[1], "1", 1);
        rd_kafka_queue_destroy(mainQueue);
        m_kafkaWake = new QSocketNotifier(m_wakePipe[0], QSocketNotifier::Read, this);
        connect(m_kafkaWake, &QSocketNotifier::activated, this, [this] {
            char drain[256];
            while (::read(m_wakePipe[0], drain, sizeof drain) > 0) {
            }
            pollKafka();
        });
    }
    m_tick = new QTimer(this);
    m_tick->setInterval(kTickMs);
    connect(m_tick, &QTimer::timeout, this, [this] {
        pollKafka();
        releaseDelayed();
        emitOutcomes();
    });
    m_tick->start();
    m_kafkaReady = true;

    redis::RedisConnection::Options options;
    options.url = m_config.redisUrl;
    options.connectTimeoutMs = m_config.connectTimeoutMs;
    m_redisThread = new QThread(this);
    m_redisThread->setObjectName(QStringLiteral("dualscope-redis"));
    m_sender = new NotificationSender(options);
    m_sender->moveToThread(m_redisThread);
    connect(m_redisThread, &QThread::finished, m_sender, &QObject::deleteLater);
    connect(m_sender, &NotificationSender::ready, this, &DualPublisher::onRedisReady);
    connect(m_sender, &NotificationSender::errorOccurred, this, &DualPublisher::onRedisError);
    connect(m_sender, &NotificationSender::disconnected, this, &DualPublisher::onRedisError);
    connect(m_sender, &NotificationSender::batchDone, this, &DualPublisher::onBatchDone);
    m_redisThread->start();
    QMetaObject::invokeMethod(m_sender, &NotificationSender::start, Qt::QueuedConnection);
}

void DualPublisher::onRedisReady()
{
    m_redisUp = true;
    m_stats.redisUp = true;
    m_redisEverUp = true;
    if (m_kafkaReady && !m_started) {
        m_started = true;
        emit started();
    }
    if (!m_inOutage)
        return;
    m_inOutage = false;
    const double outageSeconds = (nowNs() - m_outageStartNs) / 1e9;
    const QString message = QStringLiteral("Redis is back after %1 s; %2 notifications were "
                                           "skipped during the outage")
                                .arg(outageSeconds, 0, 'f', 1)
                                .arg(m_skippedThisOutage);
    qCInfo(lcPublisher).noquote() << message;
    emit redisStatusChanged(true, message);
}

void DualPublisher::onRedisError(const redis::RedisError &error)
{
    if (!m_redisEverUp && !m_started && redis::isConfigurationError(error.kind)) {
        // A wrong password or a peer that is not Redis is reported, not silently
        // skipped around: retrying cannot fix it.
        if (m_kafkaReady) {
            m_kafkaReady = false;
            stopRedis();
            emit startFailed(error.message);
        }
        return;
    }
    if (m_inOutage) {
        // One warning per outage, not one per reconnection attempt; but a Redis that
        // answers now and refuses us is worth one more line.
        if (redis::isConfigurationError(error.kind) && !m_outageRefusalReported) {
            m_outageRefusalReported = true;
            qCWarning(lcPublisher).noquote()
                << QStringLiteral("Redis answers again but refuses this client (%1): "
                                  "notifications stay skipped")
                       .arg(error.message);
        }
        return;
    }
    m_inOutage = true;
    m_redisUp = false;
    m_stats.redisUp = false;
    ++m_stats.redisOutages;
    m_skippedThisOutage = 0;
    m_outageRefusalReported = false;
    m_outageStartNs = nowNs();
    const QString message =
        QStringLiteral("Redis is %1 (%2): Kafka publishing goes on, notifications are skipped "
                       "and counted, and the publisher reconnects in the background")
            .arg(m_redisEverUp ? QStringLiteral("down") : QStringLiteral("unreachable"),
                 error.message);
    // The owner shows redisStatusChanged() to the user; the log keeps a record.
    qCInfo(lcPublisher).noquote() << message;
    emit redisStatusChanged(false, message);
    if (!m_started && m_kafkaReady) {
        // Redis is best-effort: Kafka alone starts us.
        m_started = true;
        emit started();
    }
}

void DualPublisher::failBeforeKafka(quint64 ticket, const QByteArray &eventId, const QString &code,
                                    const QString &reason, const QString &error)
{
    ++m_stats.requested;
    ++m_stats.kafkaFailed;
    m_failures.add(code, reason, error, false);
    if (m_config.reportOutcomes) {
        PublishOutcome outcome;
        outcome.ticket = ticket;
        outcome.eventId = eventId;
        outcome.kafkaError = error;
        outcome.kafkaErrorCode = code;
        m_outcomes.append(outcome);
    }
}

void DualPublisher::link(InFlight *item)
{
    item->next = m_liveHead;
    if (m_liveHead)
        m_liveHead->prev = item;
    m_liveHead = item;
    ++m_liveCount;
}

void DualPublisher::unlink(InFlight *item)
{
    if (item->prev)
        item->prev->next = item->next;
    else
        m_liveHead = item->next;
    if (item->next)
        item->next->prev = item->prev;
    --m_liveCount;
}

DualPublisher::InFlight *DualPublisher::prepare(const event::Event &event, quint64 ticket,
                                                QByteArray *values)
{
    if (m_closing || !m_kafkaReady) {
        const QString why = m_closing ? QStringLiteral("the publisher is shutting down")
                                      : QStringLiteral("the publisher is not started");
        failBeforeKafka(ticket, event.id,
                        m_closing ? QStringLiteral("SHUTTING_DOWN") : QStringLiteral("NOT_STARTED"),
                        why, why);
        return nullptr;
    }
    QString channelError;
    if (!m_config.channelTemplate.expand(event, &m_scratchChannel, &channelError)) {
        failBeforeKafka(ticket, event.id, QStringLiteral("NO_CHANNEL"),
                        QStringLiteral("the channel template gives no valid Redis channel, so the "
                                       "event is not published at all"),
                        QStringLiteral("no valid channel for event %1: %2")
                            .arg(QString::fromUtf8(event.id), channelError));
        return nullptr;
    }
    event::CodecError codecError;
    if (!event::encodeEvent(event, values, &codecError, m_maxEventBytes)) {
        if (codecError.tooLarge)
            failBeforeKafka(ticket, event.id, QStringLiteral("EVENT_TOO_LARGE"),
                            QStringLiteral("the event is over the Kafka message size limit "
                                           "(message.max.bytes = %1 bytes)")
                                .arg(m_maxEventBytes),
                            codecError.message);
        else
            failBeforeKafka(ticket, event.id, QStringLiteral("INVALID_EVENT"),
                            QStringLiteral("the event is not valid for the contract"),
                            codecError.toString());
        return nullptr;
    }
    auto *item = new InFlight;
    m_scratchNotification.resize(0); // keeps the capacity, unlike clear()
    event::appendNotification(&m_scratchNotification, event::notificationFor(event));
    if (m_config.defects)
        stageDefects(item, event, ticket);
    redis::appendCommand(item->redisCommand,
                         {QByteArrayView("PUBLISH"), QByteArrayView(m_scratchChannel),
                          QByteArrayView(m_scratchNotification)});
    if (item->defect == Defect::Duplicate) {
        item->extraCommands.prepend(item->redisCommand);
        ++item->extraCount;
    }
    item->outcome.ticket = ticket;
    item->outcome.eventId = event.id; // shared with the event: no copy
    ++m_stats.requested;
    link(item);
    return item;
}

void DualPublisher::publish(const event::Event &event, quint64 ticket)
{
    publishBatch({event}, ticket);
}

void DualPublisher::publishBatch(const QList<event::Event> &events, quint64 firstTicket)
{
    std::vector<InFlight *> batch(events.size(), nullptr);
    // The encoded values of the whole batch in one buffer; librdkafka copies them.
    QByteArray values;
    values.reserve(events.size() * 256);
    std::vector<qsizetype> valueEnds(events.size(), 0);
    for (qsizetype i = 0; i < events.size(); ++i) {
        batch[i] = prepare(events[i], firstTicket + quint64(i), &values);
        valueEnds[i] = values.size();
        if (batch[i] && m_config.ordering == Ordering::Parallel)
            queueNotification(batch[i]);
    }
    if (m_config.ordering == Ordering::Parallel)
        flushNotifications();
    produce(events, batch, values, valueEnds);
    // Delivery reports that are already there go out with this batch's pipeline.
    pollKafka();
}

void DualPublisher::produce(const QList<event::Event> &events, std::vector<InFlight *> &batch,
                            const QByteArray &values, const std::vector<qsizetype> &valueEnds)
{
    std::vector<rd_kafka_message_t> messages;
    messages.reserve(batch.size());
    const qint64 producedAt = nowNs();
    qsizetype valueStart = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
        const qsizetype valueEnd = valueEnds[i];
        if (batch[i]) {
            rd_kafka_message_t m = {};
            m.partition = RD_KAFKA_PARTITION_UA;
            m.payload = const_cast<char *>(values.constData() + valueStart);
            m.len = static_cast<size_t>(valueEnd - valueStart);
            // Key = source_id: per-source ordering, Java-compatible partitioning.
            const QByteArray &key = events[qsizetype(i)].sourceId;
            m.key = const_cast<char *>(key.constData());
            m.key_len = static_cast<size_t>(key.size());
            m._private = batch[i];
            batch[i]->producedAtNs = producedAt;
            messages.push_back(m);
        }
        valueStart = valueEnd;
    }

    const qint64 deadlineNs = nowNs() + qint64(m_config.enqueueTimeoutMs) * 1'000'000;
    size_t offset = 0;
    size_t count = messages.size();
    while (count > 0) {
        rd_kafka_produce_batch(m_topic.get(), RD_KAFKA_PARTITION_UA,
                               RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_PARTITION,
                               messages.data() + offset, static_cast<int>(count));
        // Keep the ones the full queue refused, in order; fail the others now.
        size_t retry = 0;
        for (size_t i = offset; i < offset + count; ++i) {
            rd_kafka_message_t &m = messages[i];
            auto *item = static_cast<InFlight *>(m._private);
            if (m.err == RD_KAFKA_RESP_ERR_NO_ERROR)
                continue;
            if (m.err == RD_KAFKA_RESP_ERR__QUEUE_FULL && nowNs() < deadlineNs) {
                m.err = RD_KAFKA_RESP_ERR_NO_ERROR;
                messages[offset + retry++] = m;
                continue;
            }
            const QString reason =
                m.err == RD_KAFKA_RESP_ERR__QUEUE_FULL
                    ? QStringLiteral("the local producer queue stayed full for %1 ms (the enqueue "
                                     "timeout; %2): the cluster is slower than the publish rate "
                                     "or unreachable")
                          .arg(m_config.enqueueTimeoutMs)
                          .arg(m_queueLimits)
                    : QStringLiteral("librdkafka refused the record: %1")
                          .arg(QString::fromUtf8(rd_kafka_err2str(m.err)));
            kafkaDone(item, KafkaStatus::NotPersisted, -1, -1,
                      QString::fromLatin1(rd_kafka_err2name(m.err)), reason, reason);
        }
        count = retry;
        if (count > 0)
            pollKafka(kQueueFullPollMs); // make room: serve delivery reports
    }
}

void DualPublisher::onDeliveryReport(rd_kafka_s *, const rd_kafka_message_s *message, void *opaque)
{
    // Runs inside rd_kafka_poll() on the worker thread.
    static_cast<DualPublisher *>(opaque)->handleDelivery(message);
}

void DualPublisher::handleDelivery(const rd_kafka_message_s *message)
{
    auto *item = static_cast<InFlight *>(message->_private);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Acknowledgements only: the latency count equals the acked count.
        const qint64 ackUs = (nowNs() - item->producedAtNs) / 1000;
        m_kafkaLatency.record(ackUs);
        item->outcome.kafkaAckUs = ackUs;
        kafkaDone(item, KafkaStatus::Persisted, message->partition, message->offset, {}, {}, {});
        return;
    }
    // librdkafka knows whether the record may have reached the broker (it was sent,
    // and no answer came): calling that "failed" would contradict the topic.
    const KafkaStatus status =
        rd_kafka_message_status(message) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED
            ? KafkaStatus::PossiblyPersisted
            : KafkaStatus::NotPersisted;
    const QString text = QString::fromUtf8(rd_kafka_err2str(message->err));
    QString reason = text;
    switch (message->err) {
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
        reason = QStringLiteral("not delivered before the shutdown deadline (%1)").arg(text);
        break;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        reason = QStringLiteral("Kafka did not acknowledge the record within message.timeout.ms "
                                "(%1)")
                     .arg(text);
        break;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        reason = QStringLiteral("the broker refused the record as too large (%1; the producer "
                                "allows %2 bytes, message.max.bytes)")
                     .arg(text)
                     .arg(m_maxEventBytes);
        break;
    default:
        break;
    }
    if (status == KafkaStatus::PossiblyPersisted)
        reason += QStringLiteral(": the record was sent and may be in the topic");
    kafkaDone(item, status, message->partition, -1,
              QString::fromLatin1(rd_kafka_err2name(message->err)), reason, reason);
}

void DualPublisher::kafkaDone(InFlight *item, KafkaStatus status, qint32 partition, qint64 offset,
                              const QString &code, const QString &reason, QString error)
{
    const bool ok = status == KafkaStatus::Persisted;
    item->kafkaKnown = true;
    item->outcome.kafkaOk = ok;
    item->outcome.kafkaStatus = status;
    item->outcome.partition = partition;
    item->outcome.offset = offset;
    item->outcome.kafkaErrorCode = code;
    item->outcome.kafkaError = std::move(error);
    switch (status) {
    case KafkaStatus::Persisted:
        ++m_stats.kafkaAcked;
        m_lastAcked = item->outcome;
        break;
    case KafkaStatus::PossiblyPersisted:
        ++m_stats.kafkaPossiblyPersisted;
        m_failures.add(code, reason, item->outcome.kafkaError, true);
        break;
    case KafkaStatus::NotPersisted:
        ++m_stats.kafkaFailed;
        m_failures.add(code, reason, item->outcome.kafkaError, false);
        break;
    }
    if (m_config.ordering == Ordering::KafkaFirst) {
        if (ok) {
            queueNotification(item); // may complete (and free) the item when Redis is down
            return;
        }
        item->redisKnown = true; // NotAttempted: the contract sends nothing
    }
    finishIfComplete(item);
}

void DualPublisher::stageDefects(InFlight *item, const event::Event &event, quint64 ticket)
{
    const DefectPlan &plan = *m_config.defects;
    item->defect = plan.ownDefect(ticket);
    if (item->defect)
        m_injected.append({*item->defect, event.id});
    if (item->defect == Defect::WrongChannel)
        m_scratchChannel += ":misrouted"; // still under the same pattern, not the template's
    if (item->defect == Defect::Oversized) {
        // The full payload in the notification: what the contract forbids.
        m_scratchNotification.chop(1);
        m_scratchNotification +=
            ",\"payload\":" + (event.payloadJson.isEmpty() ? QByteArray("{}") : event.payloadJson) +
            '}';
    }
    for (const Defect extra : plan.extrasAfter(ticket)) {
        QByteArray message;
        QByteArray id;
        if (extra == Defect::Orphan) {
            id = "orphan-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
            event::Event ghost = event;
            ghost.id = id;
            event::appendNotification(&message, event::notificationFor(ghost));
        } else {
            message = "not json: a stray message staged by dualscope (" + event.id + ")";
        }
        m_injected.append({extra, id});
        redis::appendCommand(
            item->extraCommands,
            {QByteArrayView("PUBLISH"), QByteArrayView(m_scratchChannel), QByteArrayView(message)});
        ++item->extraCount;
    }
}

void DualPublisher::keepExtras(InFlight *item)
{
    // Sent with the next pipeline (before, a stray staged after a missing event was
    // listed in --json but never published).
    if (item->extraCount == 0)
        return;
    m_pendingExtras += std::exchange(item->extraCommands, {});
    m_pendingExtraCount += std::exchange(item->extraCount, 0);
}

void DualPublisher::queueNotification(InFlight *item)
{
    if (item->defect == Defect::Missing) {
        // Its own notification is withheld, not the extras staged after it.
        keepExtras(item);
        ++m_stats.redisWithheld;
        redisDone(item, RedisOutcome::NotAttempted,
                  QStringLiteral("withheld: a staged missing notification"));
        return;
    }
    if (item->defect == Defect::Late && !item->lateReleased) {
        // Held back, then queued as any other.
        item->lateReleased = true;
        m_delayed.push_back({nowNs() + qint64(m_config.injectDelayMs) * 1'000'000, item});
        return;
    }
    if (!m_redisUp) {
        ++m_skippedThisOutage;
        redisDone(item, RedisOutcome::Skipped, QStringLiteral("Redis was down"));
        return;
    }
    m_toNotify.push_back(item);
}

void DualPublisher::releaseDelayed()
{
    const qint64 now = nowNs();
    bool released = false;
    while (!m_delayed.empty() && m_delayed.front().first <= now) {
        InFlight *item = m_delayed.front().second;
        m_delayed.pop_front();
        queueNotification(item);
        released = true;
    }
    if (released)
        flushNotifications();
}

void DualPublisher::flushNotifications()
{
    if (m_toNotify.empty() && m_pendingExtraCount == 0)
        return;
    if (!m_redisUp || !m_sender) {
        for (InFlight *item : std::exchange(m_toNotify, {})) {
            ++m_skippedThisOutage;
            redisDone(item, RedisOutcome::Skipped, QStringLiteral("Redis was down"));
        }
        m_pendingExtras.clear();
        m_pendingExtraCount = 0;
        return;
    }
    // One pipeline: every PUBLISH of this round in one write.
    QByteArray pipeline;
    qsizetype pipelineSize = 0;
    // Staged copies, orphans and strays: sent after, answered apart.
    QByteArray extras = std::exchange(m_pendingExtras, {});
    int extraCount = std::exchange(m_pendingExtraCount, 0);
    for (const InFlight *item : m_toNotify)
        pipelineSize += item->redisCommand.size();
    pipeline.reserve(pipelineSize);
    for (const InFlight *item : m_toNotify) {
        pipeline += item->redisCommand;
        extras += item->extraCommands;
        extraCount += item->extraCount;
    }
    const int count = static_cast<int>(m_toNotify.size());
    const quint64 batchId = count > 0 ? ++m_lastBatchId : 0;
    if (count > 0)
        m_sentBatches.insert(batchId, std::exchange(m_toNotify, {}));
    const quint64 extrasId = extraCount > 0 ? ++m_lastBatchId : 0;
    if (extraCount > 0)
        m_extraBatches.insert(extrasId);
    QMetaObject::invokeMethod(
        m_sender,
        [sender = m_sender, batchId, pipeline, count, extras, extrasId, extraCount] {
            if (count > 0)
                sender->send(batchId, pipeline, count);
            if (extraCount > 0)
                sender->send(extrasId, extras, extraCount);
        },
        Qt::QueuedConnection);
}

void DualPublisher::onBatchDone(const RedisBatchResult &result)
{
    if (m_extraBatches.remove(result.batchId))
        return; // staged extras: answered, nothing to account for
    const auto found = m_sentBatches.find(result.batchId);
    if (found == m_sentBatches.end())
        return; // already given up on at the shutdown deadline
    const std::vector<InFlight *> items = std::move(found.value());
    m_sentBatches.erase(found);
    if (result.skipped) {
        // Redis went down between our last look and the write.
        for (InFlight *item : items) {
            ++m_skippedThisOutage;
            redisDone(item, RedisOutcome::Skipped, QStringLiteral("Redis was down"));
        }
        return;
    }
    if (!result.failures.isEmpty() && m_redisUp) {
        // One line per failed pipeline, not per notification.
        qCWarning(lcPublisher).noquote()
            << result.failures.size() << "of" << result.count
            << "Redis PUBLISH commands failed, first:" << result.failures.first().second;
    }
    qsizetype nextFailure = 0;
    for (int i = 0; i < int(items.size()); ++i) {
        if (nextFailure < result.failures.size() && result.failures[nextFailure].first == i) {
            redisDone(items[i], RedisOutcome::Failed, result.failures[nextFailure++].second);
            continue;
        }
        m_redisLatency.record(result.latencyUs);
        redisDone(items[i], RedisOutcome::Sent, {});
    }
}

void DualPublisher::stopRedis()
{
    if (!m_redisThread)
        return;
    // Blocking: the sender's thread serves only the sender, so this cannot deadlock,
    // and afterwards no result of a stopped connection arrives late.
    QMetaObject::invokeMethod(m_sender, &NotificationSender::stop, Qt::BlockingQueuedConnection);
    m_redisThread->quit();
    m_redisThread->wait();
    m_redisThread = nullptr; // deleted with this object (its parent)
    m_sender = nullptr;      // deleted by the thread's finished()
}

void DualPublisher::redisDone(InFlight *item, RedisOutcome outcome, QString error)
{
    item->redisKnown = true;
    item->outcome.redis = outcome;
    item->outcome.redisError = std::move(error);
    switch (outcome) {
    case RedisOutcome::Sent:
        ++m_stats.redisSent;
        break;
    case RedisOutcome::Skipped:
        ++m_stats.redisSkipped;
        break;
    case RedisOutcome::Failed:
        ++m_stats.redisFailed;
        break;
    case RedisOutcome::NotAttempted:
        break;
    }
    finishIfComplete(item);
}

void DualPublisher::finishIfComplete(InFlight *item)
{
    if (!item->kafkaKnown || !item->redisKnown)
        return;
    if (m_config.reportOutcomes)
        m_outcomes.append(std::move(item->outcome));
    unlink(item);
    delete item;
}

void DualPublisher::pollKafka(int timeoutMs)
{
    if (!m_producer)
        return;
    // Bounded so a flood of reports cannot starve the rest of the event loop.
    for (int round = 0; round < 64; ++round) {
        if (rd_kafka_poll(m_producer.get(), round == 0 ? timeoutMs : 0) == 0)
            break;
    }
    flushNotifications();
}

void DualPublisher::emitOutcomes()
{
    if (!m_outcomes.isEmpty())
        emit outcomesReady(std::exchange(m_outcomes, {}));
}

PublisherStats DualPublisher::stats() const
{
    PublisherStats stats = m_stats;
    stats.inFlight = inFlight();
    stats.kafkaAck = summarize(m_kafkaLatency);
    stats.redisReply = summarize(m_redisLatency);
    stats.kafkaFailureReasons = m_failures.reasons();
    return stats;
}

void DualPublisher::shutdown(int timeoutMs)
{
    m_closing = true;
    m_shutdownDeadlineNs = nowNs() + qint64(timeoutMs) * 1'000'000;
    if (!m_producer) {
        finishShutdown();
        return;
    }
    disconnect(m_tick, nullptr, this, nullptr);
    connect(m_tick, &QTimer::timeout, this, &DualPublisher::shutdownTick);
    m_tick->setInterval(10);
    shutdownTick();
}

void DualPublisher::shutdownTick()
{
    pollKafka();
    releaseDelayed();
    const bool drained = m_liveCount == 0 && m_extraBatches.isEmpty() && m_pendingExtraCount == 0;
    if (!drained && nowNs() < m_shutdownDeadlineNs)
        return;
    if (!drained) {
        rd_kafka_purge(m_producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        // Purged messages get their delivery report (an error) on the next polls.
        for (int i = 0; i < 50 && rd_kafka_outq_len(m_producer.get()) > 0; ++i)
            rd_kafka_poll(m_producer.get(), 10);
        rd_kafka_poll(m_producer.get(), 0);
        for (InFlight *item : std::exchange(m_toNotify, {}))
            redisDone(item, RedisOutcome::Failed, QStringLiteral("not sent before shutdown"));
        for (const auto &[due, item] : std::exchange(m_delayed, {}))
            redisDone(item, RedisOutcome::Failed, QStringLiteral("not sent before shutdown"));
        for (const std::vector<InFlight *> &batch : std::exchange(m_sentBatches, {})) {
            for (InFlight *item : batch)
                redisDone(item, RedisOutcome::Failed,
                          QStringLiteral("no reply from Redis before the shutdown deadline"));
        }
    }
    finishShutdown();
}

void DualPublisher::finishShutdown()
{
    if (m_tick)
        m_tick->stop();
    const qint64 undelivered = m_stats.kafkaFailed + m_stats.kafkaPossiblyPersisted;
    emitOutcomes();
    stopRedis();
    emit shutdownFinished(undelivered);
}

} // namespace dualscope::publish
