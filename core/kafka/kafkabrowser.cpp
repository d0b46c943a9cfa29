// SPDX-License-Identifier: MIT
#include "kafka/kafkabrowser.h"

#include "kafka/brokerprobe.h"
#include "kafka/kafkalog.h"

#include <QDateTime>
#include <QHash>
#include <algorithm>
#include <functional>
#include <librdkafka/rdkafka.h>

namespace dualscope::kafka {

namespace {

// Slices of a blocking wait, so a deadline is checked often enough.
constexpr int kPollSliceMs = 100;

struct PartitionListDeleter
{
    void operator()(rd_kafka_topic_partition_list_t *list) const
    {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MessageDeleter
{
    void operator()(rd_kafka_message_t *message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct MetadataDeleter
{
    void operator()(const rd_kafka_metadata_t *metadata) const
    {
        rd_kafka_metadata_destroy(metadata);
    }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

int remainingMs(const QDeadlineTimer &deadline)
{
    return static_cast<int>(std::max<qint64>(0, deadline.remainingTime()));
}

QString where(const QByteArray &topic, qint32 partition)
{
    return QStringLiteral("%1[%2]").arg(QString::fromUtf8(topic)).arg(partition);
}

QString formatTimestamp(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// The browser's consumer: tuned to fetch one page and stop, never to stream.
Properties browserProperties(const Properties &user)
{
    Properties properties{
        {"client.id", "dualscope-browser"},
        // librdkafka's assign() needs a consumer with a group; this one never
        // joins it (no subscribe) and never commits.
        {"group.id", "dualscope-browser"},
        // A page ends at EOF or at `count`; a fetch at the end of the partition
        // must not hold the page for the default 500 ms.
        {"fetch.wait.max.ms", "10"},
        {"fetch.error.backoff.ms", "50"},
        // Deliberately not lowered: librdkafka 2.0.2 backs a partition off for up
        // to 1 s once its local queue passes queued.min.messages, and the next
        // assignment of the same partition inherits that backoff (measured: pages
        // of 3 ms turned into 1000 ms). A page is unassigned milliseconds after
        // its first record, long before the default 100000 fills up.
        {"queued.min.messages", "100000"},
        // Retention may move the low watermark between our clamp and the fetch.
        {"auto.offset.reset", "earliest"},
    };
    properties.append(user);
    // Reading must never move a group's offsets, and a page relies on EOF events.
    properties.append(std::pair<QByteArray, QByteArray>("enable.auto.commit", "false"));
    properties.append(std::pair<QByteArray, QByteArray>("enable.auto.offset.store", "false"));
    properties.append(std::pair<QByteArray, QByteArray>("enable.partition.eof", "true"));
    return properties;
}

KafkaRecord::TimestampType timestampType(rd_kafka_timestamp_type_t type)
{
    switch (type) {
    case RD_KAFKA_TIMESTAMP_CREATE_TIME:
        return KafkaRecord::TimestampType::CreateTime;
    case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
        return KafkaRecord::TimestampType::LogAppendTime;
    case RD_KAFKA_TIMESTAMP_NOT_AVAILABLE:
        break;
    }
    return KafkaRecord::TimestampType::NotAvailable;
}

QList<BrokerInfo> brokersOf(const rd_kafka_metadata_t &metadata)
{
    QList<BrokerInfo> brokers;
    for (int i = 0; i < metadata.broker_cnt; ++i) {
        const rd_kafka_metadata_broker &b = metadata.brokers[i];
        brokers.append({b.id, QByteArray(b.host), b.port});
    }
    std::sort(brokers.begin(), brokers.end(),
              [](const BrokerInfo &a, const BrokerInfo &b) { return a.id < b.id; });
    return brokers;
}

TopicInfo topicFromMetadata(const rd_kafka_metadata_topic &mt)
{
    TopicInfo topic;
    topic.name = mt.topic;
    if (mt.err != RD_KAFKA_RESP_ERR_NO_ERROR)
        topic.error = QString::fromUtf8(rd_kafka_err2str(mt.err));
    for (int p = 0; p < mt.partition_cnt; ++p) {
        const rd_kafka_metadata_partition &mp = mt.partitions[p];
        PartitionInfo partition;
        partition.id = mp.id;
        partition.leader = mp.leader;
        for (int r = 0; r < mp.replica_cnt; ++r)
            partition.replicas.append(mp.replicas[r]);
        for (int r = 0; r < mp.isr_cnt; ++r)
            partition.isrs.append(mp.isrs[r]);
        if (mp.err != RD_KAFKA_RESP_ERR_NO_ERROR)
            partition.error = QString::fromUtf8(rd_kafka_err2str(mp.err));
        topic.partitions.append(partition);
    }
    std::sort(topic.partitions.begin(), topic.partitions.end(),
              [](const PartitionInfo &a, const PartitionInfo &b) { return a.id < b.id; });
    return topic;
}

} // namespace

HandlePtr newConsumer(const QByteArray &bootstrap, const Properties &properties, QString *error,
                      const std::function<void(rd_kafka_conf_s *)> &prepare)
{
    ConfPtr conf = makeConf(bootstrap, properties, error);
    if (!conf)
        return nullptr;
    if (prepare)
        prepare(conf.get());
    char reason[512];
    HandlePtr handle(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), reason, sizeof reason));
    if (!handle) {
        fail(error,
             QStringLiteral("cannot create a Kafka consumer: %1").arg(QString::fromUtf8(reason)));
        return nullptr;
    }
    conf.release(); // owned by the handle now
    // Errors and EOF events come out of consumer_poll() with the records.
    rd_kafka_poll_set_consumer(handle.get());
    return handle;
}

QString errorText(int err)
{
    return QString::fromUtf8(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
}

KafkaRecord recordFromMessage(const rd_kafka_message_s *message)
{
    KafkaRecord record;
    if (message->rkt)
        record.topic = rd_kafka_topic_name(message->rkt);
    record.partition = message->partition;
    record.offset = message->offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    record.timestampMs = rd_kafka_message_timestamp(message, &type);
    record.timestampType = timestampType(type);
    record.keyIsNull = message->key == nullptr;
    if (message->key)
        record.key = QByteArray(static_cast<const char *>(message->key),
                                static_cast<qsizetype>(message->key_len));
    record.valueIsNull = message->payload == nullptr;
    if (message->payload)
        record.value = QByteArray(static_cast<const char *>(message->payload),
                                  static_cast<qsizetype>(message->len));
    rd_kafka_headers_t *headers = nullptr;
    // The const_cast is librdkafka's API: reading headers parses them lazily
    // into the message, which it does not declare const.
    if (rd_kafka_message_headers(const_cast<rd_kafka_message_t *>(message), &headers) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        headers) {
        const char *name = nullptr;
        const void *value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            record.headers.append(
                {QByteArray(name),
                 value ? QByteArray(static_cast<const char *>(value), static_cast<qsizetype>(size))
                       : QByteArray()});
        }
    }
    return record;
}

KafkaBrowser::KafkaBrowser(QByteArray bootstrap, Properties properties)
    : m_bootstrap(std::move(bootstrap)), m_properties(std::move(properties))
{
}

KafkaBrowser::~KafkaBrowser() = default;

bool KafkaBrowser::open(QString *error)
{
    if (m_consumer)
        return true;
    QString reason;
    m_consumer = newConsumer(m_bootstrap, browserProperties(m_properties), &reason);
    if (!m_consumer)
        return fail(error, reason);
    return true;
}

bool KafkaBrowser::ensureOpen(QString *error)
{
    if (m_consumer)
        return true;
    return fail(error, QStringLiteral("the Kafka browser is not open"));
}

std::optional<QList<BrokerInfo>> KafkaBrowser::brokers(int timeoutMs, QString *error)
{
    if (!ensureOpen(error))
        return std::nullopt;
    const rd_kafka_metadata_t *raw = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(m_consumer.get(), 0, nullptr, &raw, timeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail(error,
             explainKafkaFailure(
                 QStringLiteral("cannot read the cluster's metadata from %1 within %2 ms: %3")
                     .arg(QString::fromUtf8(m_bootstrap))
                     .arg(timeoutMs)
                     .arg(errorText(err)),
                 m_bootstrap, m_properties));
        return std::nullopt;
    }
    MetadataPtr metadata(raw);
    m_lastSeenBrokers = brokersOf(*metadata);
    return m_lastSeenBrokers;
}

bool KafkaBrowser::watermarks(const QByteArray &topic, qint32 partition, qint64 *low, qint64 *high,
                              int timeoutMs, QString *error)
{
    if (!ensureOpen(error))
        return false;
    const QDeadlineTimer deadline(timeoutMs);
    return checkTopic(topic, deadline, timeoutMs, error) &&
           queryWatermarks(topic, partition, low, high, remainingMs(deadline), error);
}

bool KafkaBrowser::queryWatermarks(const QByteArray &topic, qint32 partition, qint64 *low,
                                   qint64 *high, int timeoutMs, QString *error)
{
    int64_t lo = -1;
    int64_t hi = -1;
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        m_consumer.get(), topic.constData(), partition, &lo, &hi, timeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        return fail(error, QStringLiteral("cannot read the watermarks of %1 within %2 ms: %3")
                               .arg(where(topic, partition))
                               .arg(timeoutMs)
                               .arg(errorText(err)));
    *low = lo;
    *high = hi;
    return true;
}

std::optional<QList<TopicInfo>> KafkaBrowser::metadataTopics(QDeadlineTimer deadline, int timeoutMs,
                                                             QString *error)
{
    // Always every topic: asking librdkafka 2.0.2's mock about one topic by name
    // creates it (it ignores AllowAutoTopicCreation=false), so a typo would
    // leave a new topic behind.
    const rd_kafka_metadata_t *raw = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(m_consumer.get(), 1, nullptr, &raw, remainingMs(deadline));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail(error,
             explainKafkaFailure(
                 QStringLiteral("cannot read the cluster's metadata from %1 within %2 ms: %3")
                     .arg(QString::fromUtf8(m_bootstrap))
                     .arg(timeoutMs)
                     .arg(errorText(err)),
                 m_bootstrap, m_properties));
        return std::nullopt;
    }
    MetadataPtr metadata(raw);
    m_lastSeenBrokers = brokersOf(*metadata);
    QList<TopicInfo> topics;
    m_knownTopics.clear();
    for (int t = 0; t < metadata->topic_cnt; ++t) {
        topics.append(topicFromMetadata(metadata->topics[t]));
        m_knownTopics.insert(topics.last().name);
    }
    std::sort(topics.begin(), topics.end(),
              [](const TopicInfo &a, const TopicInfo &b) { return a.name < b.name; });
    return topics;
}

bool KafkaBrowser::checkTopic(const QByteArray &topic, QDeadlineTimer deadline, int timeoutMs,
                              QString *error)
{
    if (m_knownTopics.contains(topic))
        return true;
    if (!metadataTopics(deadline, timeoutMs, error))
        return false;
    if (m_knownTopics.contains(topic))
        return true;
    return fail(error, QStringLiteral("topic '%1' does not exist on %2")
                           .arg(QString::fromUtf8(topic), QString::fromUtf8(m_bootstrap)));
}

void KafkaBrowser::fillWatermarks(TopicInfo *topic, QDeadlineTimer deadline)
{
    // Watermarks come from each partition's leader; a partition that cannot
    // answer keeps -1 and says why, the others are still worth showing. A leader
    // that did not answer once is not asked again in this pass, and no one query
    // may take more than kWatermarkQueryCapMs: a broker that is down costs its own
    // partitions their watermarks, not every partition after it.
    QHash<qint32, QString> silentLeaders;
    for (PartitionInfo &partition : topic->partitions) {
        if (partition.leader < 0) {
            partition.error = QStringLiteral("no leader: the partition is offline");
            continue;
        }
        if (const auto silent = silentLeaders.constFind(partition.leader);
            silent != silentLeaders.cend()) {
            partition.error = *silent;
            continue;
        }
        if (deadline.hasExpired()) {
            partition.error = QStringLiteral("no watermarks: out of time");
            continue;
        }
        QString reason;
        if (!queryWatermarks(topic->name, partition.id, &partition.low, &partition.high,
                             std::min(remainingMs(deadline), kWatermarkQueryCapMs), &reason)) {
            partition.error = reason;
            silentLeaders.insert(partition.leader,
                                 QStringLiteral("leader broker %1 did not answer for partition "
                                                "%2: %3")
                                     .arg(partition.leader)
                                     .arg(partition.id)
                                     .arg(reason));
        }
    }
}

std::optional<QList<TopicInfo>> KafkaBrowser::topics(int timeoutMs, QString *error)
{
    if (!ensureOpen(error))
        return std::nullopt;
    const QDeadlineTimer deadline(timeoutMs);
    std::optional<QList<TopicInfo>> topics = metadataTopics(deadline, timeoutMs, error);
    if (!topics)
        return std::nullopt;
    for (TopicInfo &topic : *topics)
        fillWatermarks(&topic, deadline);
    return topics;
}

std::optional<TopicInfo> KafkaBrowser::topic(const QByteArray &name, int timeoutMs, QString *error)
{
    if (!ensureOpen(error))
        return std::nullopt;
    const QDeadlineTimer deadline(timeoutMs);
    const std::optional<QList<TopicInfo>> topics = metadataTopics(deadline, timeoutMs, error);
    if (!topics)
        return std::nullopt;
    for (TopicInfo topic : *topics) {
        if (topic.name != name)
            continue;
        if (!topic.error.isEmpty()) {
            fail(error, QStringLiteral("topic '%1': %2").arg(QString::fromUtf8(name), topic.error));
            return std::nullopt;
        }
        fillWatermarks(&topic, deadline);
        return topic;
    }
    fail(error, QStringLiteral("topic '%1' does not exist on %2")
                    .arg(QString::fromUtf8(name), QString::fromUtf8(m_bootstrap)));
    return std::nullopt;
}

std::optional<KafkaBrowser::ReadResult> KafkaBrowser::read(const QByteArray &topic,
                                                           qint32 partition, qint64 offset,
                                                           int count, qint64 high,
                                                           QDeadlineTimer deadline, QString *error)
{
    ReadResult result;
    if (offset >= high) {
        result.reachedEnd = true;
        return result;
    }
    rd_kafka_t *rk = m_consumer.get();
    {
        PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), topic.constData(), partition)->offset =
            offset;
        const rd_kafka_resp_err_t err = rd_kafka_assign(rk, list.get());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fail(error, QStringLiteral("cannot read %1 at offset %2: %3")
                            .arg(where(topic, partition))
                            .arg(offset)
                            .arg(errorText(err)));
            return std::nullopt;
        }
    }
    qint64 last = offset - 1;
    QString transient;
    bool failed = false;
    while (result.records.size() < count && !deadline.hasExpired()) {
        MessagePtr message(
            rd_kafka_consumer_poll(rk, std::min(remainingMs(deadline), kPollSliceMs)));
        if (!message)
            continue;
        const bool ours = message->rkt && message->partition == partition &&
                          topic == rd_kafka_topic_name(message->rkt);
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (ours && message->offset > last) {
                result.reachedEnd = true;
                break;
            }
            continue;
        }
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const QString text = QString::fromUtf8(rd_kafka_message_errstr(message.get()));
            if (!message->rkt) {
                // Client-wide and usually transient (a broker connection went
                // down): librdkafka retries; only report it if time runs out.
                transient = text;
                continue;
            }
            fail(error, QStringLiteral("cannot read %1 at offset %2: %3")
                            .arg(where(topic, partition))
                            .arg(offset)
                            .arg(text));
            failed = true;
            break;
        }
        if (!ours || message->offset <= last)
            continue;
        result.records.append(recordFromMessage(message.get()));
        last = message->offset;
        if (last >= high - 1) {
            result.reachedEnd = true;
            break;
        }
    }
    rd_kafka_assign(rk, nullptr);
    if (failed)
        return std::nullopt;
    if (result.records.size() < count && !result.reachedEnd && result.records.isEmpty()) {
        fail(error, QStringLiteral("no records from %1 at offset %2 in time%3")
                        .arg(where(topic, partition))
                        .arg(offset)
                        .arg(transient.isEmpty() ? QString() : QStringLiteral(": ") + transient));
        return std::nullopt;
    }
    return result;
}

std::optional<std::optional<KafkaRecord>>
KafkaBrowser::recordAt(const QByteArray &topic, qint32 partition, qint64 offset, qint64 high,
                       QDeadlineTimer deadline, QString *error)
{
    const std::optional<ReadResult> result =
        read(topic, partition, offset, 1, high, deadline, error);
    if (!result)
        return std::nullopt;
    if (result->records.isEmpty())
        return std::optional<KafkaRecord>();
    return std::optional<KafkaRecord>(result->records.first());
}

std::optional<qint64> KafkaBrowser::bisectTimestamp(const QByteArray &topic, qint32 partition,
                                                    qint64 tsMs, qint64 low, qint64 high,
                                                    QDeadlineTimer deadline, QString *error)
{
    // Invariant: every record before `lo` is older than tsMs, the answer is in [lo, hi].
    qint64 lo = low;
    qint64 hi = high;
    int reads = 0;
    while (lo < hi) {
        const qint64 mid = lo + (hi - lo) / 2;
        const auto record = recordAt(topic, partition, mid, high, deadline, error);
        ++reads;
        if (!record)
            return std::nullopt;
        if (!*record || (*record)->offset >= hi || (*record)->timestampMs >= tsMs)
            hi = mid; // offsets in [mid, record) hold no record, so mid is as good
        else
            lo = (*record)->offset + 1;
    }
    qCDebug(lcKafka, "%s: timestamp %lld is at offset %lld (bisected in %d reads)",
            qPrintable(where(topic, partition)), tsMs, lo, reads);
    return lo;
}

std::optional<qint64> KafkaBrowser::resolveTimestamp(const QByteArray &topic, qint32 partition,
                                                     qint64 tsMs, qint64 low, qint64 high,
                                                     QDeadlineTimer deadline, QString *error,
                                                     QString *notice)
{
    const QString place = where(topic, partition);
    if (low >= high) {
        if (notice)
            *notice = QStringLiteral("%1 holds no records: starting at the high watermark %2")
                          .arg(place)
                          .arg(high);
        return high;
    }
    qint64 brokerAnswer = -1;
    {
        PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_t *tp =
            rd_kafka_topic_partition_list_add(list.get(), topic.constData(), partition);
        tp->offset = tsMs;
        const rd_kafka_resp_err_t err =
            rd_kafka_offsets_for_times(m_consumer.get(), list.get(), remainingMs(deadline));
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR && tp->err == RD_KAFKA_RESP_ERR_NO_ERROR)
            brokerAnswer = tp->offset;
        if (brokerAnswer < 0)
            qCDebug(lcKafka, "%s: offsets-for-times gave no offset (%s): checking by reading",
                    qPrintable(place), rd_kafka_err2str(err ? err : tp->err));
    }
    qint64 result = -1;
    if (brokerAnswer >= 0) {
        result = std::clamp(brokerAnswer, low, high);
    } else {
        // -1 means "after the last record" from a real broker, but it is also all
        // that librdkafka 2.0.2's mock ever says: the last record tells them apart.
        const auto last = recordAt(topic, partition, high - 1, high, deadline, error);
        if (!last)
            return std::nullopt;
        if (*last && (*last)->timestampMs < tsMs) {
            result = high;
        } else {
            const auto bisected =
                bisectTimestamp(topic, partition, tsMs, low, high, deadline, error);
            if (!bisected)
                return std::nullopt;
            result = *bisected;
        }
    }
    if (notice && result >= high) {
        *notice = QStringLiteral("timestamp %1 is after the last record of %2: nothing yet at "
                                 "or after it, starting at the high watermark %3")
                      .arg(formatTimestamp(tsMs), place)
                      .arg(high);
    } else if (notice && result == low) {
        const auto first = recordAt(topic, partition, low, high, deadline, error);
        if (!first)
            return std::nullopt;
        if (*first && (*first)->timestampMs > tsMs)
            *notice = QStringLiteral("timestamp %1 is before the first retained record of %2 "
                                     "(offset %3 at %4): started there")
                          .arg(formatTimestamp(tsMs), place)
                          .arg((*first)->offset)
                          .arg(formatTimestamp((*first)->timestampMs));
    }
    return result;
}

std::optional<qint64> KafkaBrowser::offsetForTimestamp(const QByteArray &topic, qint32 partition,
                                                       qint64 tsMs, int timeoutMs, QString *error,
                                                       QString *notice)
{
    if (!ensureOpen(error))
        return std::nullopt;
    const QDeadlineTimer deadline(timeoutMs);
    qint64 low = -1;
    qint64 high = -1;
    if (!watermarks(topic, partition, &low, &high, remainingMs(deadline), error))
        return std::nullopt;
    return resolveTimestamp(topic, partition, tsMs, low, high, deadline, error, notice);
}

std::optional<Page> KafkaBrowser::page(const PageRequest &request, QString *error)
{
    if (!ensureOpen(error))
        return std::nullopt;
    if (request.count < 1 || request.count > kMaxPageCount) {
        fail(error, QStringLiteral("a page holds 1 to %1 records, not %2")
                        .arg(kMaxPageCount)
                        .arg(request.count));
        return std::nullopt;
    }
    const QDeadlineTimer deadline(request.timeoutMs);
    const QString place = where(request.topic, request.partition);
    Page page;
    if (!watermarks(request.topic, request.partition, &page.low, &page.high, remainingMs(deadline),
                    error))
        return std::nullopt;
    switch (request.anchor) {
    case PageRequest::Anchor::Offset:
        page.requestedOffset = request.offset;
        if (request.offset < 0) {
            fail(error, QStringLiteral("offset %1 is not an offset").arg(request.offset));
            return std::nullopt;
        }
        if (request.offset > page.high) {
            fail(error, QStringLiteral("offset %1 is past the end of %2 (high watermark %3)")
                            .arg(request.offset)
                            .arg(place)
                            .arg(page.high));
            return std::nullopt;
        }
        page.startOffset = request.offset;
        if (request.offset < page.low) {
            page.startOffset = page.low;
            page.notice = QStringLiteral("offset %1 is below the low watermark %2 (retention): "
                                         "started at %2")
                              .arg(request.offset)
                              .arg(page.low);
        } else if (request.offset == page.high) {
            page.notice = QStringLiteral("offset %1 is the end of %2: no records there yet")
                              .arg(page.high)
                              .arg(place);
        }
        break;
    case PageRequest::Anchor::Timestamp: {
        const std::optional<qint64> offset =
            resolveTimestamp(request.topic, request.partition, request.timestampMs, page.low,
                             page.high, deadline, error, &page.notice);
        if (!offset)
            return std::nullopt;
        page.requestedOffset = *offset;
        page.startOffset = *offset;
        break;
    }
    case PageRequest::Anchor::End:
        page.requestedOffset = page.high;
        page.startOffset = std::max(page.low, page.high - request.count);
        if (page.low >= page.high)
            page.notice = QStringLiteral("%1 holds no records").arg(place);
        break;
    }
    std::optional<ReadResult> result = read(request.topic, request.partition, page.startOffset,
                                            request.count, page.high, deadline, error);
    if (!result)
        return std::nullopt;
    page.records = std::move(result->records);
    if (page.records.size() < request.count && !result->reachedEnd && page.notice.isEmpty())
        page.notice = QStringLiteral("only %1 of %2 records arrived within %3 ms")
                          .arg(page.records.size())
                          .arg(request.count)
                          .arg(request.timeoutMs);
    if (request.newestFirst)
        std::reverse(page.records.begin(), page.records.end());
    return page;
}

std::optional<QList<GroupInfo>> KafkaBrowser::groups(int timeoutMs, QString *error)
{
    if (!ensureOpen(error))
        return std::nullopt;
    const rd_kafka_group_list *raw = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_list_groups(m_consumer.get(), nullptr, &raw, timeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && !raw) {
        // librdkafka 2.0.2's mock has no ListGroups: the client learns it from
        // ApiVersions and fails at once with __UNSUPPORTED_FEATURE.
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
            fail(error, QStringLiteral("ListGroups: not supported by this cluster (no answer "
                                       "within %1 ms)")
                            .arg(timeoutMs));
        else if (err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
                 err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION)
            fail(error, QStringLiteral("ListGroups: not supported by this cluster (%1)")
                            .arg(errorText(err)));
        else
            fail(error, QStringLiteral("ListGroups failed: %1").arg(errorText(err)));
        return std::nullopt;
    }
    std::unique_ptr<const rd_kafka_group_list, void (*)(const rd_kafka_group_list *)> list(
        raw, rd_kafka_group_list_destroy);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        qCWarning(lcKafka, "ListGroups: partial answer: %s", rd_kafka_err2str(err));
    QList<GroupInfo> groups;
    for (int i = 0; i < list->group_cnt; ++i) {
        const rd_kafka_group_info &g = list->groups[i];
        groups.append({QByteArray(g.group), QByteArray(g.state), QByteArray(g.protocol_type),
                       QByteArray(g.protocol), g.broker.id, g.member_cnt});
    }
    std::sort(groups.begin(), groups.end(),
              [](const GroupInfo &a, const GroupInfo &b) { return a.name < b.name; });
    return groups;
}

std::optional<QList<GroupLag>> KafkaBrowser::groupLag(const QByteArray &group,
                                                      const QByteArray &topicName, int timeoutMs,
                                                      QString *error)
{
    if (!ensureOpen(error))
        return std::nullopt;
    const QDeadlineTimer deadline(timeoutMs);
    const std::optional<TopicInfo> info = topic(topicName, remainingMs(deadline), error);
    if (!info)
        return std::nullopt;
    // A consumer carrying the group's id reads its commits (OffsetFetch) without
    // joining the group: it never subscribes, so the group's members are not
    // disturbed by a rebalance. Works on clusters without the admin API for it.
    Properties properties = m_properties;
    properties.append(std::pair<QByteArray, QByteArray>("client.id", "dualscope-lag"));
    properties.append(std::pair<QByteArray, QByteArray>("group.id", group));
    properties.append(std::pair<QByteArray, QByteArray>("enable.auto.commit", "false"));
    HandlePtr reader = newConsumer(m_bootstrap, properties, error);
    if (!reader)
        return std::nullopt;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(info->partitions.size()));
    for (const PartitionInfo &partition : info->partitions)
        rd_kafka_topic_partition_list_add(list.get(), topicName.constData(), partition.id);
    const rd_kafka_resp_err_t err =
        rd_kafka_committed(reader.get(), list.get(), remainingMs(deadline));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail(error, QStringLiteral("cannot read the offsets group '%1' committed within %2 ms: %3")
                        .arg(QString::fromUtf8(group))
                        .arg(timeoutMs)
                        .arg(errorText(err)));
        return std::nullopt;
    }
    QList<GroupLag> lags;
    for (const PartitionInfo &partition : info->partitions) {
        GroupLag lag;
        lag.partition = partition.id;
        lag.low = partition.low;
        lag.high = partition.high;
        const rd_kafka_topic_partition_t *tp =
            rd_kafka_topic_partition_list_find(list.get(), topicName.constData(), partition.id);
        if (tp && tp->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            lag.note = QStringLiteral("committed offset unknown: %1").arg(errorText(tp->err));
        } else if (tp && tp->offset >= 0) {
            lag.committed = tp->offset;
            lag.lag = std::max<qint64>(0, partition.high - tp->offset);
            if (tp->offset < partition.low)
                lag.note = QStringLiteral("the committed offset %1 is below the low watermark %2: "
                                          "records were deleted before the group read them")
                               .arg(tp->offset)
                               .arg(partition.low);
        } else {
            lag.lag = std::max<qint64>(0, partition.high - partition.low);
            lag.note = QStringLiteral("no committed offset: every retained record counts as lag");
        }
        if (!partition.error.isEmpty())
            lag.note = partition.error;
        lags.append(lag);
    }
    return lags;
}

} // namespace dualscope::kafka
