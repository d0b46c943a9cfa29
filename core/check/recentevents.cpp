// SPDX-License-Identifier: MIT
#include "check/recentevents.h"

#include "kafka/kafkabrowser.h"
#include "kafka/kafkarecord.h"
#include "redis/pubsubtypes.h"

#include <QDeadlineTimer>
#include <QSet>
#include <algorithm>
#include <limits>
#include <tuple>

namespace dualscope::check {

FeedItemReader::FeedItemReader(const gap::FieldMapping &mapping,
                               std::optional<event::ChannelTemplate> channelTemplate)
    : m_kafka(mapping.kafkaPointers()), m_notification(mapping.notificationPointers()),
      m_channelTemplate(std::move(channelTemplate))
{
}

bool FeedItemReader::fromRecord(const kafka::KafkaRecord &record, FeedItem *item) const
{
    item->source = FeedItem::Kafka;
    item->timestampMs = record.timestampMs;
    item->partition = record.partition;
    item->offset = record.offset;
    item->raw = record.value;
    event::EventFields fields;
    if (record.valueIsNull || !m_kafka.read(record.value, &fields))
        return false;
    item->id = fields.id;
    item->type = fields.type;
    item->sourceId = fields.sourceId;
    if (m_channelTemplate) {
        event::Event event;
        event.type = fields.type;
        event.sourceType = fields.sourceType;
        event.sourceId = fields.sourceId;
        QString unused;
        if (!m_channelTemplate->expand(event, &item->channel, &unused))
            item->channel.clear(); // the checker reports such a record; a viewer shows it bare
    }
    return true;
}

bool FeedItemReader::fromNotification(const redis::PubSubMessage &message, FeedItem *item) const
{
    item->source = FeedItem::Redis;
    item->channel = message.channel;
    item->timestampMs = message.receivedMs;
    item->raw = message.payload;
    event::EventFields fields;
    if (!m_notification.read(message.payload, &fields))
        return false;
    item->id = fields.id;
    item->type = fields.type;
    item->sourceId = fields.sourceId;
    return true;
}

RecentEvents loadRecentEvents(const RecentEventsRequest &request, const std::atomic_bool &cancel,
                              const std::function<void(int, int)> &progress)
{
    RecentEvents result;
    const QDeadlineTimer deadline(request.loadTimeoutMs);
    const auto remainingMs = [&deadline] {
        return int(
            std::clamp<qint64>(deadline.remainingTime(), 1, std::numeric_limits<int>::max()));
    };
    const auto failed = [&result](const QString &why) {
        result.error = QStringLiteral("Kafka: ") + why;
        return result;
    };
    const QString overTime = QStringLiteral("the recent events of %1 did not load within %2 ms")
                                 .arg(QString::fromUtf8(request.topic))
                                 .arg(request.loadTimeoutMs);
    if (request.count < 0 || request.count > kafka::KafkaBrowser::kMaxPageCount)
        return failed(QStringLiteral("the recent count must be 0 to %1, not %2")
                          .arg(kafka::KafkaBrowser::kMaxPageCount)
                          .arg(request.count));
    if (cancel)
        return failed(QStringLiteral("stopped before loading"));

    kafka::KafkaBrowser browser(request.kafkaBootstrap, request.kafkaProperties);
    QString error;
    if (!browser.open(&error))
        return failed(error);
    // Metadata and every watermark at once: one cut through the topic, so the
    // recent events are consistent across partitions and a tail can start at it.
    const std::optional<kafka::TopicInfo> topic =
        browser.topic(request.topic, std::min(request.connectTimeoutMs, remainingMs()), &error);
    if (!topic)
        return failed(error);
    if (!topic->error.isEmpty())
        return failed(topic->error);

    const FeedItemReader reader(request.mapping, request.channelTemplate);
    QList<FeedItem> items;
    for (const kafka::PartitionInfo &partition : topic->partitions) {
        const QString place =
            QStringLiteral("%1[%2]").arg(QString::fromUtf8(request.topic)).arg(partition.id);
        if (cancel)
            return failed(QStringLiteral("stopped while loading"));
        if (!partition.error.isEmpty())
            return failed(QStringLiteral("%1: %2").arg(place, partition.error));
        if (deadline.hasExpired())
            return failed(overTime);
        const qint64 count = std::min<qint64>(partition.messageCount(), qint64(request.count));
        const qint64 first = partition.high - count;
        qint64 end = first;
        if (count > 0) {
            // An offset page ending at the cut is the End page of that moment.
            kafka::PageRequest page;
            page.topic = request.topic;
            page.partition = partition.id;
            page.anchor = kafka::PageRequest::Anchor::Offset;
            page.offset = first;
            page.count = int(count);
            page.timeoutMs = remainingMs();
            const std::optional<kafka::Page> records = browser.page(page, &error);
            if (!records)
                return failed(error);
            for (const kafka::KafkaRecord &record : records->records) {
                if (record.offset >= partition.high)
                    break; // past the cut: the tail's (a compacted log skips offsets)
                end = record.offset + 1;
                FeedItem item;
                if (reader.fromRecord(record, &item))
                    items.append(item);
                else
                    ++result.unparseable;
            }
            // Short of the cut with time left: transaction markers or compaction
            // hold the last offsets. Out of time: records are missing.
            if (end < partition.high && deadline.hasExpired())
                return failed(overTime);
        }
        // A tail goes on from where the page really ended, so nothing is lost.
        result.ends.insert(partition.id, count > 0 ? end : partition.high);
        if (progress)
            progress(int(result.ends.size()), int(topic->partitions.size()));
    }

    std::sort(items.begin(), items.end(), [](const FeedItem &a, const FeedItem &b) {
        return std::tie(a.timestampMs, a.partition, a.offset) <
               std::tie(b.timestampMs, b.partition, b.offset);
    });
    // Newest first until `count` distinct ids; a repeated id (a producer's retry
    // without idempotence) is shown once, as its newest record.
    QSet<QByteArray> seen;
    for (qsizetype i = items.size() - 1; i >= 0 && result.items.size() < request.count; --i) {
        if (seen.contains(items[i].id)) {
            ++result.duplicates;
            continue;
        }
        seen.insert(items[i].id);
        result.items.append(items[i]);
    }
    std::reverse(result.items.begin(), result.items.end());
    result.ok = true;
    return result;
}

RecentEventsLoader::RecentEventsLoader(RecentEventsRequest request, QObject *parent)
    : QObject(parent), m_request(std::move(request))
{
    qRegisterMetaType<RecentEvents>();
}

void RecentEventsLoader::load(quint64 ticket)
{
    emit loaded(ticket, loadRecentEvents(m_request, m_cancel));
}

} // namespace dualscope::check
