// SPDX-License-Identifier: MIT
#pragma once

#include "check/feeditem.h"
#include "event/channeltemplate.h"
#include "event/fieldreader.h"
#include "gap/gaptypes.h"
#include "kafka/kafkaconfig.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <optional>

namespace dualscope::kafka {
struct KafkaRecord;
}
namespace dualscope::redis {
struct PubSubMessage;
}

namespace dualscope::check {

// FeedItems from Kafka records and notifications, through the field mapping (one
// event::FieldReader per stream, strict as the checker is). Any thread.
class FeedItemReader
{
public:
    explicit FeedItemReader(const gap::FieldMapping &mapping,
                            std::optional<event::ChannelTemplate> channelTemplate = {});

    // False for a tombstone or a value without a usable id.
    bool fromRecord(const kafka::KafkaRecord &record, FeedItem *item) const;
    // False for a payload without a usable id.
    bool fromNotification(const redis::PubSubMessage &message, FeedItem *item) const;

private:
    event::FieldReader m_kafka;
    event::FieldReader m_notification;
    std::optional<event::ChannelTemplate> m_channelTemplate;
};

// Which recent events to read: the last `count` of a topic over all partitions.
struct RecentEventsRequest
{
    QByteArray kafkaBootstrap;
    kafka::Properties kafkaProperties;
    QByteArray topic = "events";
    // Where the id, type and source fields are in a Kafka value.
    gap::FieldMapping mapping;
    // Fills each item's channel (where its notification is expected); none: empty.
    std::optional<event::ChannelTemplate> channelTemplate = std::nullopt;
    int count = 100;
    // Bounds the metadata request: an unreachable cluster or unknown topic fails within it.
    int connectTimeoutMs = 5000;
    // Bounds the whole load (metadata, watermarks, one page per partition).
    int loadTimeoutMs = 30'000;
};

// The newest events of one cut through the topic.
struct RecentEvents
{
    bool ok = false;
    QString error; // "Kafka: ..." when !ok
    // At most `count`, oldest first by (timestamp, partition, offset), each id once.
    QList<FeedItem> items;
    // Where the pages ended in each partition: the next offset after the cut.
    QHash<qint32, qint64> ends;
    // Records without a usable id, skipped before the newest were chosen.
    qint64 unparseable = 0;
    // Records repeating an id of a newer one (a producer's retry), shown once.
    qint64 duplicates = 0;
};

// Reads every partition's watermarks at one moment, then pages each partition up to
// that moment, so the events are the newest of one cut through the topic and a tail
// can start exactly at `ends`. Blocking, bounded by the request's timeouts; gives up
// between two Kafka requests when `cancel` is set. `progress(done, total)` is called
// after each partition, on the calling thread. Any thread.
RecentEvents loadRecentEvents(const RecentEventsRequest &request, const std::atomic_bool &cancel,
                              const std::function<void(int, int)> &progress = {});

// loadRecentEvents() on the thread it lives on, for a window that must not wait:
// docs/design.md's "client connects mid-stream" for a live view that subscribes
// while events flow. Move it to a thread of its own (a load blocks that thread
// for up to loadTimeoutMs); load() is queued to it, loaded() comes back.
class RecentEventsLoader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecentEventsLoader)

public:
    explicit RecentEventsLoader(RecentEventsRequest request, QObject *parent = nullptr);

    // Runs one load (blocking this object's thread); loaded() follows with `ticket`.
    void load(quint64 ticket);
    // Any thread: the running load gives up at its next Kafka request, and later
    // loads fail at once. For a shutdown that must not wait out a slow cluster.
    void cancel() { m_cancel = true; }

    const RecentEventsRequest &request() const { return m_request; }

signals:
    void loaded(quint64 ticket, const dualscope::check::RecentEvents &events);

private:
    const RecentEventsRequest m_request;
    std::atomic_bool m_cancel = false;
};

} // namespace dualscope::check

Q_DECLARE_METATYPE(dualscope::check::RecentEvents)
