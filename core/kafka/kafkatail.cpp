// SPDX-License-Identifier: MIT
#include "kafka/kafkatail.h"

#include "kafka/kafkabrowser.h"
#include "kafka/kafkalog.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QTimer>
#include <algorithm>
#include <limits>
#include <librdkafka/rdkafka.h>

namespace dualscope::kafka {

namespace {

// Poll often enough that a record reaches the checker within a frame or two,
// rarely enough that an idle tail costs nothing.
constexpr int kPollIntervalMs = 20;
// A tick hands out at most this many records, so a backlog of millions never
// blocks the worker's event loop (1M records/s at 20 ms ticks).
constexpr int kMaxRecordsPerTick = 20000;
// How often the high watermarks are asked for, so that "everything appended before
// T has been read" moves on under traffic that never lets a partition reach its end.
constexpr int kWatermarkQueryMs = 500;
constexpr int kWatermarkTimeoutMs = 1000;

qint64 wallMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

Properties tailProperties(const Properties &user)
{
    Properties properties{
        {"client.id", "dualscope-tail"},
        // librdkafka's assign() needs a consumer with a group; the tail never
        // joins it (no subscribe) and never commits.
        {"group.id", "dualscope-tail"},
        // How long a broker may hold an empty fetch at the end of a partition:
        // bounds how late a new record is seen (librdkafka 2.0.2's mock always
        // waits this long, and answers one batch per partition a fetch, so at full
        // speed a longer wait made the tail fall seconds behind; a real broker
        // answers as soon as data arrives).
        {"fetch.wait.max.ms", "10"},
        // When retention overtakes a slow tail, go on from the oldest retained record.
        {"auto.offset.reset", "earliest"},
        // The prefetch queue (64 MB by default) is most of a checker's memory when it
        // reads a long retained topic; 16 MB still keeps the fetchers busy.
        {"queued.max.messages.kbytes", "16384"},
    };
    properties.append(user);
    properties.append(std::pair<QByteArray, QByteArray>("enable.auto.commit", "false"));
    properties.append(std::pair<QByteArray, QByteArray>("enable.auto.offset.store", "false"));
    // Caught-up detection rests on the EOF events.
    properties.append(std::pair<QByteArray, QByteArray>("enable.partition.eof", "true"));
    return properties;
}

struct MessageDeleter
{
    void operator()(rd_kafka_message_t *message) const { rd_kafka_message_destroy(message); }
};

} // namespace

KafkaTail::KafkaTail(QByteArray bootstrap, Properties properties, TailOptions options,
                     QObject *parent)
    : QObject(parent), m_bootstrap(std::move(bootstrap)), m_properties(std::move(properties)),
      m_options(std::move(options))
{
}

KafkaTail::~KafkaTail()
{
    stop();
}

QList<TailPosition> KafkaTail::positions() const
{
    QMutexLocker lock(&m_positionsMutex);
    QList<TailPosition> positions;
    for (const PartitionState &state : m_partitions)
        positions.append({state.partition, state.firstOffset, state.lastOffset});
    return positions;
}

QHash<qint32, qint64> KafkaTail::startOffsets() const
{
    QMutexLocker lock(&m_positionsMutex);
    QHash<qint32, qint64> offsets;
    for (const PartitionState &state : m_partitions)
        offsets.insert(state.partition, m_startOffsets.value(state.partition, -1));
    return offsets;
}

bool KafkaTail::resolveStart(QString *error)
{
    // The browser's blocking lookups (watermarks, the timestamp bisect) on a
    // handle of their own, dropped once the tail is positioned.
    KafkaBrowser browser(m_bootstrap, m_properties);
    if (!browser.open(error))
        return false;
    const QDeadlineTimer deadline(m_options.resolveTimeoutMs);
    const std::optional<TopicInfo> topic =
        browser.topic(m_options.topic, m_options.resolveTimeoutMs, error);
    if (!topic)
        return false;
    QList<qint32> wanted = m_options.partitions;
    if (wanted.isEmpty()) {
        for (const PartitionInfo &partition : topic->partitions)
            wanted.append(partition.id);
    }
    QList<PartitionState> states;
    QHash<qint32, qint64> starts;
    for (const qint32 id : wanted) {
        const auto info = std::find_if(topic->partitions.begin(), topic->partitions.end(),
                                       [id](const PartitionInfo &p) { return p.id == id; });
        const QString place =
            QStringLiteral("%1[%2]").arg(QString::fromUtf8(m_options.topic)).arg(id);
        if (info == topic->partitions.end()) {
            *error = QStringLiteral("%1 does not exist: the topic has %2 partitions")
                         .arg(place)
                         .arg(topic->partitions.size());
            return false;
        }
        if (!info->error.isEmpty()) {
            *error = QStringLiteral("%1: %2").arg(place, info->error);
            return false;
        }
        qint64 start = info->high;
        switch (m_options.from) {
        case From::End:
            break;
        case From::Beginning:
            start = info->low;
            break;
        case From::Timestamp: {
            QString notice;
            const std::optional<qint64> offset = browser.offsetForTimestamp(
                m_options.topic, id, m_options.timestampMs,
                static_cast<int>(std::max<qint64>(1, deadline.remainingTime())), error, &notice);
            if (!offset)
                return false;
            start = *offset;
            if (!notice.isEmpty())
                qCInfo(lcKafka, "tail: %s", qPrintable(notice));
            break;
        }
        case From::Offsets:
            start = m_options.offsets.value(id, info->high);
            if (start < info->low || start > info->high) {
                qCInfo(lcKafka,
                       "tail: offset %lld is outside %s's retained range [%lld, %lld]: "
                       "starting at %lld",
                       start, qPrintable(place), info->low, info->high,
                       std::clamp(start, info->low, info->high));
                start = std::clamp(start, info->low, info->high);
            }
            break;
        }
        PartitionState state;
        state.partition = id;
        state.next = start;
        states.append(state);
        starts.insert(id, start);
    }
    QMutexLocker lock(&m_positionsMutex);
    m_partitions = states;
    m_startOffsets = starts;
    return true;
}

void KafkaTail::start()
{
    if (m_running)
        return;
    QString error;
    if (!resolveStart(&error)) {
        emit errorOccurred(error);
        return;
    }
    m_consumer = newConsumer(m_bootstrap, tailProperties(m_properties), &error);
    if (!m_consumer) {
        emit errorOccurred(error);
        return;
    }
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(m_partitions.size());
    for (const PartitionState &state : std::as_const(m_partitions))
        rd_kafka_topic_partition_list_add(list, m_options.topic.constData(), state.partition)
            ->offset = state.next;
    const rd_kafka_resp_err_t err = rd_kafka_assign(m_consumer.get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        m_consumer.reset();
        emit errorOccurred(QStringLiteral("cannot assign %1: %2")
                               .arg(QString::fromUtf8(m_options.topic), errorText(err)));
        return;
    }
    m_running = true;
    m_caughtUp = false;
    if (!m_timer) {
        m_timer = new QTimer(this);
        m_timer->setInterval(kPollIntervalMs);
        connect(m_timer, &QTimer::timeout, this, &KafkaTail::poll);
    }
    m_timer->start();
    qCInfo(lcKafka, "tail: %s positioned on %lld partition(s)", m_options.topic.constData(),
           static_cast<long long>(m_partitions.size()));
    emit positioned();
}

void KafkaTail::stop()
{
    if (m_timer)
        m_timer->stop();
    m_running = false;
    m_batch.clear();
    if (m_consumer) {
        // No group was joined, so closing only stops the fetchers.
        rd_kafka_consumer_close(m_consumer.get());
        m_consumer.reset();
    }
}

KafkaTail::PartitionState *KafkaTail::stateOf(qint32 partition)
{
    for (PartitionState &state : m_partitions) {
        if (state.partition == partition)
            return &state;
    }
    return nullptr;
}

void KafkaTail::flush()
{
    if (m_batch.isEmpty())
        return;
    QList<KafkaRecord> batch;
    batch.swap(m_batch);
    if (m_options.consumerBacklog)
        m_options.consumerBacklog->fetch_add(batch.size());
    emit records(batch);
}

void KafkaTail::updateCaughtUp()
{
    bool all = !m_partitions.isEmpty();
    for (const PartitionState &state : std::as_const(m_partitions))
        all = all && state.atEnd;
    if (all == m_caughtUp)
        return;
    m_caughtUp = all;
    // The records that led here go out first: a listener that judges orphans
    // once caught up must have seen them.
    if (all)
        flush();
    if (m_running)
        emit caughtUp(all);
}

void KafkaTail::poll()
{
    QString lastError;
    const bool consumerFull = m_options.consumerBacklog &&
                              m_options.consumerBacklog->load() >= m_options.maxConsumerBacklog;
    for (int n = 0; m_running && !consumerFull && n < kMaxRecordsPerTick; ++n) {
        std::unique_ptr<rd_kafka_message_t, MessageDeleter> message(
            rd_kafka_consumer_poll(m_consumer.get(), 0));
        if (!message)
            break;
        const rd_kafka_resp_err_t err = message->err;
        const qint32 partition = message->partition;
        const bool ours = message->rkt && m_options.topic == rd_kafka_topic_name(message->rkt);
        if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            message.reset();
            if (PartitionState *state = ours ? stateOf(partition) : nullptr) {
                // (No time from it: the event may have waited in librdkafka's queue
                // while more records were appended; only a watermark asked for at a
                // known moment says what was read by when.)
                state->atEnd = true;
                updateCaughtUp();
            }
            continue;
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const QString text =
                message->rkt ? QStringLiteral("%1[%2]: %3")
                                   .arg(QString::fromUtf8(rd_kafka_topic_name(message->rkt)))
                                   .arg(partition)
                                   .arg(QString::fromUtf8(rd_kafka_message_errstr(message.get())))
                             : QString::fromUtf8(rd_kafka_message_errstr(message.get()));
            message.reset();
            // librdkafka retries on its own; say it once per tick, not per event.
            if (text != lastError) {
                lastError = text;
                qCWarning(lcKafka, "tail: %s", qPrintable(text));
                emit errorOccurred(text);
            }
            continue;
        }
        PartitionState *state = ours ? stateOf(partition) : nullptr;
        if (!state || message->offset < state->next)
            continue; // not assigned, or left over from before a reassignment
        if (message->offset > state->next && state->next >= 0)
            emit recordsSkipped(partition, state->next, message->offset);
        KafkaRecord record = recordFromMessage(message.get());
        message.reset();
        if (state->atEnd) {
            state->atEnd = false;
            updateCaughtUp();
            if (!m_running)
                return;
        }
        {
            QMutexLocker lock(&m_positionsMutex);
            if (state->firstOffset < 0)
                state->firstOffset = record.offset;
            state->lastOffset = record.offset;
        }
        state->next = record.offset + 1;
        m_batch.append(std::move(record));
    }
    if (m_running) {
        flush();
        updateReadUpTo();
    }
}

void KafkaTail::queryWatermarks()
{
    // Asked now: a partition read to the answer's high watermark has given every
    // record appended before this moment.
    const qint64 askedAtMs = wallMs();
    for (PartitionState &state : m_partitions) {
        int64_t low = 0, high = 0;
        if (rd_kafka_query_watermark_offsets(m_consumer.get(), m_options.topic.constData(),
                                             state.partition, &low, &high,
                                             kWatermarkTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR)
            continue;
        state.targetOffset = high;
        state.targetAskedAtMs = askedAtMs;
    }
    m_lastWatermarkQuery.restart();
}

void KafkaTail::updateReadUpTo()
{
    if (!m_lastWatermarkQuery.isValid() || m_lastWatermarkQuery.elapsed() >= kWatermarkQueryMs)
        queryWatermarks();
    qint64 everyPartition = std::numeric_limits<qint64>::max();
    for (PartitionState &state : m_partitions) {
        if (state.targetOffset >= 0 && state.next >= state.targetOffset) {
            state.readUpToMs = std::max(state.readUpToMs, state.targetAskedAtMs);
            state.targetOffset = -1;
        }
        everyPartition = std::min(everyPartition, state.readUpToMs);
    }
    if (m_partitions.isEmpty() || everyPartition <= m_readUpToMs)
        return;
    m_readUpToMs = everyPartition;
    emit readUpTo(everyPartition);
}

} // namespace dualscope::kafka
