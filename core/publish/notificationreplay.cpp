// SPDX-License-Identifier: MIT
#include "publish/notificationreplay.h"

#include "event/event.h"
#include "event/fieldreader.h"
#include "kafka/kafkabrowser.h"
#include "publish/notificationsender.h"
#include "redis/rediscommand.h"
#include "redis/redisconnection.h"

#include <QMap>
#include <QThread>
#include <algorithm>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace dualscope::publish {

Q_LOGGING_CATEGORY(lcReplay, "dualscope.replay")

namespace {

// Two pipelines in flight: the next page is read from Kafka while Redis answers
// the last one, without letting a slow Redis pile up unbounded pipelines.
constexpr int kMaxInFlight = 2;
// The CLI and the GUI redraw a progress line, not a log: 10 updates a second.
constexpr qint64 kProgressIntervalMs = 100;

using RecordFields = event::EventFields;

// The notification with each field where the mapping says the system under test
// expects it; with the default mapping exactly {"id":..,"type":..,"source_id":..}
// as the publisher sends it. Identifiers only: never the payload.
QByteArray encodeNotification(const RecordFields &fields, const gap::FieldMapping &mapping)
{
    rapidjson::Document document;
    document.SetObject();
    const auto set = [&document](const QByteArray &pointer, const QByteArray &text) {
        if (pointer.isEmpty() || text.isNull())
            return;
        rapidjson::Value value(text.constData(), rapidjson::SizeType(text.size()),
                               document.GetAllocator());
        rapidjson::Pointer(pointer.constData(), size_t(pointer.size())).Set(document, value);
    };
    set(mapping.notificationId, fields.id);
    set(mapping.notificationType, fields.type.isNull() ? QByteArray("") : fields.type);
    set(mapping.notificationSourceId, fields.sourceId.isNull() ? QByteArray("") : fields.sourceId);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    document.Accept(writer);
    return QByteArray(buffer.GetString(), qsizetype(buffer.GetSize()));
}

QString place(const QByteArray &topic, qint32 partition)
{
    return QStringLiteral("%1[%2]").arg(QString::fromUtf8(topic)).arg(partition);
}

QString recordPlace(const QByteArray &topic, qint32 partition, qint64 offset)
{
    return QStringLiteral("%1@%2").arg(place(topic, partition)).arg(offset);
}

} // namespace

NotificationReplay::NotificationReplay(ReplayConfig config, ReplayRange range, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_range(std::move(range))
{
}

NotificationReplay::NotificationReplay(ReplayConfig config, QList<ReplayTarget> targets,
                                       QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_targets(std::move(targets)),
      m_fromReport(true)
{
}

NotificationReplay::~NotificationReplay()
{
    stopSender();
}

void NotificationReplay::start()
{
    if (m_browser || m_ended)
        return;
    m_progressClock.start();
    QString error;
    if (!gap::FieldMapping::validate(m_config.mapping, &error)) {
        fail(error);
        return;
    }
    if (m_config.pageSize < 1 || m_config.pageSize > kafka::KafkaBrowser::kMaxPageCount) {
        fail(QStringLiteral("a page holds 1 to %1 records, not %2")
                 .arg(kafka::KafkaBrowser::kMaxPageCount)
                 .arg(m_config.pageSize));
        return;
    }

    // Redis first, so that its handshake runs on its own thread while the Kafka
    // planning below blocks this one.
    redis::RedisConnection::Options options;
    options.url = m_config.redisUrl;
    options.connectTimeoutMs = m_config.connectTimeoutMs;
    // A replay is a bounded job: a lost connection ends it (the rest counted
    // failed) instead of waiting for Redis to come back.
    options.reconnect = false;
    m_senderThread = new QThread(this);
    m_senderThread->setObjectName(QStringLiteral("dualscope-redis"));
    m_sender = new NotificationSender(options);
    m_sender->moveToThread(m_senderThread);
    connect(m_senderThread, &QThread::finished, m_sender, &QObject::deleteLater);
    connect(m_sender, &NotificationSender::ready, this, &NotificationReplay::onRedisReady);
    connect(m_sender, &NotificationSender::errorOccurred, this, &NotificationReplay::onRedisError);
    connect(m_sender, &NotificationSender::batchDone, this, &NotificationReplay::onBatchDone);
    m_senderThread->start();
    QMetaObject::invokeMethod(m_sender, &NotificationSender::start, Qt::QueuedConnection);

    m_browser =
        std::make_unique<kafka::KafkaBrowser>(m_config.kafkaBootstrap, m_config.kafkaProperties);
    if (!m_browser->open(&error) || !(m_fromReport ? planTargets(&error) : planRange(&error))) {
        fail(error);
        return;
    }
    m_planned = true;
    qCDebug(lcReplay, "planned %lld records in %lld partition(s) of %s", qlonglong(m_total),
            qlonglong(m_work.size()), m_topic.constData());
    maybeBegin();
}

void NotificationReplay::stop()
{
    if (m_ended)
        return;
    m_stopping = true;
    if (!m_begun) {
        fail(QStringLiteral("interrupted before the replay started"));
        return;
    }
    schedulePump();
}

bool NotificationReplay::planRange(QString *error)
{
    m_topic = m_range.topic;
    const int timeoutMs = m_config.kafkaTimeoutMs;
    if (m_range.fromKind == ReplayRange::Bound::Offset && m_range.from < 0) {
        *error = QStringLiteral("offset %1 is not an offset").arg(m_range.from);
        return false;
    }
    if (m_range.fromKind == m_range.toKind && m_range.fromKind != ReplayRange::Bound::End &&
        m_range.to < m_range.from) {
        *error = m_range.toKind == ReplayRange::Bound::Offset
                     ? QStringLiteral("the range ends at offset %1, before it starts at offset %2")
                           .arg(m_range.to)
                           .arg(m_range.from)
                     : QStringLiteral("the range ends at %1, before it starts at %2")
                           .arg(QString::fromLatin1(event::formatTimestamp(m_range.to)),
                                QString::fromLatin1(event::formatTimestamp(m_range.from)));
        return false;
    }
    const std::optional<kafka::TopicInfo> topic = m_browser->topic(m_topic, timeoutMs, error);
    if (!topic)
        return false;
    if (!topic->error.isEmpty()) {
        *error = QStringLiteral("%1: %2").arg(QString::fromUtf8(m_topic), topic->error);
        return false;
    }
    QList<kafka::PartitionInfo> selected;
    if (m_range.partitions.isEmpty()) {
        selected = topic->partitions;
    } else {
        for (const qint32 wanted : m_range.partitions) {
            const auto found =
                std::find_if(topic->partitions.cbegin(), topic->partitions.cend(),
                             [wanted](const kafka::PartitionInfo &p) { return p.id == wanted; });
            if (found == topic->partitions.cend()) {
                *error = QStringLiteral("%1 has no partition %2 (it has %3)")
                             .arg(QString::fromUtf8(m_topic))
                             .arg(wanted)
                             .arg(topic->partitions.size());
                return false;
            }
            if (std::none_of(selected.cbegin(), selected.cend(),
                             [wanted](const kafka::PartitionInfo &p) { return p.id == wanted; }))
                selected.append(*found);
        }
    }
    std::sort(
        selected.begin(), selected.end(),
        [](const kafka::PartitionInfo &a, const kafka::PartitionInfo &b) { return a.id < b.id; });

    QList<kafka::PartitionInfo> pastEnd;
    for (const kafka::PartitionInfo &partition : std::as_const(selected)) {
        const QString where = place(m_topic, partition.id);
        if (!partition.error.isEmpty() || partition.low < 0 || partition.high < 0) {
            *error = QStringLiteral("%1: %2").arg(where, partition.error.isEmpty()
                                                             ? QStringLiteral("no watermarks")
                                                             : partition.error);
            return false;
        }
        const qint64 low = partition.low;
        const qint64 high = partition.high;
        qint64 start = high;
        switch (m_range.fromKind) {
        case ReplayRange::Bound::Offset:
            if (m_range.from > high) {
                pastEnd.append(partition);
                break;
            }
            start = std::max(m_range.from, low);
            if (m_range.from < low && low < high)
                m_result.notices.append(QStringLiteral("%1: offsets below %2 are no longer "
                                                       "retained: replaying from %2")
                                            .arg(where)
                                            .arg(low));
            break;
        case ReplayRange::Bound::Timestamp: {
            QString notice;
            const std::optional<qint64> offset = m_browser->offsetForTimestamp(
                m_topic, partition.id, m_range.from, timeoutMs, error, &notice);
            if (!offset)
                return false;
            start = *offset;
            // "after the last record" only means this partition has nothing to
            // replay; a timestamp before the retained records is worth saying.
            if (start < high && !notice.isEmpty())
                m_result.notices.append(notice);
            break;
        }
        case ReplayRange::Bound::End:
            break;
        }
        qint64 end = high;
        if (start < high) {
            switch (m_range.toKind) {
            case ReplayRange::Bound::Offset:
                end = std::min(high, m_range.to + 1);
                break;
            case ReplayRange::Bound::Timestamp: {
                const std::optional<qint64> offset = m_browser->offsetForTimestamp(
                    m_topic, partition.id, m_range.to, timeoutMs, error);
                if (!offset)
                    return false;
                end = *offset;
                break;
            }
            case ReplayRange::Bound::End:
                break;
            }
        }
        if (end > start) {
            Work work;
            work.partition = partition.id;
            work.next = start;
            work.end = end;
            m_work.append(work);
            m_total += end - start;
        }
    }
    if (!pastEnd.isEmpty() && pastEnd.size() == selected.size()) {
        if (pastEnd.size() == 1) {
            *error = QStringLiteral("offset %1 is past the end of %2 (high watermark %3)")
                         .arg(m_range.from)
                         .arg(place(m_topic, pastEnd.first().id))
                         .arg(pastEnd.first().high);
        } else {
            const auto highest =
                std::max_element(pastEnd.cbegin(), pastEnd.cend(),
                                 [](const kafka::PartitionInfo &a, const kafka::PartitionInfo &b) {
                                     return a.high < b.high;
                                 });
            *error = QStringLiteral("offset %1 is past the end of every partition of %2 (the "
                                    "highest high watermark is %3, on %4)")
                         .arg(m_range.from)
                         .arg(QString::fromUtf8(m_topic))
                         .arg(highest->high)
                         .arg(place(m_topic, highest->id));
        }
        return false;
    }
    for (const kafka::PartitionInfo &partition : std::as_const(pastEnd))
        m_result.notices.append(
            QStringLiteral("offset %1 is past the end of %2 (high watermark %3): nothing to "
                           "replay there")
                .arg(m_range.from)
                .arg(place(m_topic, partition.id))
                .arg(partition.high));
    if (m_total == 0 && pastEnd.isEmpty())
        m_result.notices.append(
            QStringLiteral("no records of %1 are in the range").arg(QString::fromUtf8(m_topic)));
    return true;
}

bool NotificationReplay::planTargets(QString *error)
{
    if (m_targets.isEmpty()) {
        m_result.notices.append(QStringLiteral("nothing to replay: no targets"));
        return true;
    }
    m_topic = m_targets.first().topic;
    for (const ReplayTarget &target : std::as_const(m_targets)) {
        if (target.topic != m_topic) {
            *error = QStringLiteral("the records to replay are in several topics (%1 and %2): "
                                    "one replay reads one topic")
                         .arg(QString::fromUtf8(m_topic), QString::fromUtf8(target.topic));
            return false;
        }
    }
    // Per partition, each offset once, in log order: pages then cover neighbouring
    // targets with one read.
    QMap<qint32, QMap<qint64, ReplayTarget>> byPartition;
    for (const ReplayTarget &target : std::as_const(m_targets))
        byPartition[target.partition].insert(target.offset, target);
    qint64 unique = 0;
    for (const auto &offsets : std::as_const(byPartition))
        unique += offsets.size();
    if (unique < m_targets.size())
        m_result.notices.append(QStringLiteral("%1 records were listed more than once: each is "
                                               "replayed once")
                                    .arg(m_targets.size() - unique));
    m_result.requested = unique;
    m_total = unique;

    const std::optional<kafka::TopicInfo> topic =
        m_browser->topic(m_topic, m_config.kafkaTimeoutMs, error);
    if (!topic)
        return false;
    if (!topic->error.isEmpty()) {
        *error = QStringLiteral("%1: %2").arg(QString::fromUtf8(m_topic), topic->error);
        return false;
    }
    for (auto it = byPartition.cbegin(); it != byPartition.cend(); ++it) {
        const qint32 id = it.key();
        const auto found = std::find_if(topic->partitions.cbegin(), topic->partitions.cend(),
                                        [id](const kafka::PartitionInfo &p) { return p.id == id; });
        Work work;
        work.partition = id;
        for (const ReplayTarget &target : it.value()) {
            const QString where = recordPlace(m_topic, id, target.offset);
            QString reason;
            if (found == topic->partitions.cend())
                reason = QStringLiteral("%1 has no partition %2")
                             .arg(QString::fromUtf8(m_topic))
                             .arg(id);
            else if (!found->error.isEmpty())
                reason = found->error;
            else if (target.offset < found->low)
                reason = QStringLiteral("no longer retained (low watermark %1)").arg(found->low);
            else if (target.offset >= found->high)
                reason = QStringLiteral("past the end of the partition (high watermark %1): "
                                        "is this the cluster the report was made on?")
                             .arg(found->high);
            if (reason.isEmpty()) {
                work.targets.append(target);
                continue;
            }
            ++m_result.skippedNotFound;
            ++m_done;
            addError(
                QStringLiteral("%1 (id %2): %3").arg(where, QString::fromUtf8(target.id), reason));
        }
        if (!work.targets.isEmpty())
            m_work.append(work);
    }
    return true;
}

void NotificationReplay::onRedisReady()
{
    m_redisReady = true;
    maybeBegin();
}

void NotificationReplay::onRedisError(const redis::RedisError &error)
{
    if (m_ended)
        return;
    if (!m_begun) {
        // The first connection decides whether the configuration is usable at all.
        fail(error.message);
        return;
    }
    abandonRest(QStringLiteral("Redis connection lost (%1)").arg(error.message));
    schedulePump();
}

void NotificationReplay::maybeBegin()
{
    if (m_ended || m_begun || !m_planned || !m_redisReady)
        return;
    m_begun = true;
    emitProgress(true);
    schedulePump();
}

void NotificationReplay::schedulePump()
{
    if (m_pumpScheduled || m_ended)
        return;
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, &NotificationReplay::pump, Qt::QueuedConnection);
}

void NotificationReplay::pump()
{
    m_pumpScheduled = false;
    if (m_ended)
        return;
    if (m_stopping)
        abandonRest(QStringLiteral("interrupted"));
    while (m_inFlight < kMaxInFlight && m_abandonReason.isEmpty() &&
           m_currentWork < m_work.size()) {
        Work &work = m_work[m_currentWork];
        const bool more =
            m_fromReport ? work.nextTarget < work.targets.size() : work.next < work.end;
        if (!more) {
            ++m_currentWork;
            continue;
        }
        const bool ok = m_fromReport ? readTargetPage(work) : readRangePage(work);
        emitProgress(false);
        if (!ok)
            break;
        // One page per turn of the event loop: Redis's answers to the pages
        // already sent are counted in between.
        schedulePump();
        return;
    }
    const bool allRead = !m_abandonReason.isEmpty() || m_currentWork >= m_work.size();
    if (allRead && m_inFlight == 0)
        finish();
}

bool NotificationReplay::readRangePage(Work &work)
{
    kafka::PageRequest request;
    request.topic = m_topic;
    request.partition = work.partition;
    request.anchor = kafka::PageRequest::Anchor::Offset;
    request.offset = work.next;
    request.count = int(std::min<qint64>(m_config.pageSize, work.end - work.next));
    request.timeoutMs = m_config.kafkaTimeoutMs;
    QString error;
    const std::optional<kafka::Page> page = m_browser->page(request, &error);
    if (!page) {
        abandonRest(error);
        return false;
    }
    if (page->startOffset > work.next)
        m_result.notices.append(QStringLiteral("%1: offsets %2 to %3 were removed by retention "
                                               "during the replay")
                                    .arg(place(m_topic, work.partition))
                                    .arg(work.next)
                                    .arg(std::min(page->startOffset, work.end) - 1));
    QByteArray pipeline;
    int count = 0;
    qint64 last = -1;
    bool reachedEnd = page->records.isEmpty();
    for (const kafka::KafkaRecord &record : page->records) {
        if (record.offset < work.next)
            continue;
        if (record.offset >= work.end) {
            // Offsets without a record (compaction, transaction markers) at the
            // end of the range: the page ran past it.
            reachedEnd = true;
            break;
        }
        ++m_result.requested;
        if (appendRecord(m_topic, work.partition, record.offset, record.valueIsNull, record.value,
                         {}, &pipeline))
            ++count;
        last = record.offset;
    }
    const qint64 next = reachedEnd || last < 0 ? work.end : last + 1;
    m_done += next - work.next;
    work.next = next;
    sendPipeline(pipeline, count);
    return true;
}

bool NotificationReplay::readTargetPage(Work &work)
{
    const QList<ReplayTarget> &targets = work.targets;
    const qsizetype first = work.nextTarget;
    const qint64 firstOffset = targets.at(first).offset;
    // The targets that one page starting at the first of them can cover.
    qsizetype lastInPage = first;
    while (lastInPage + 1 < targets.size() &&
           targets.at(lastInPage + 1).offset - firstOffset < m_config.pageSize)
        ++lastInPage;
    kafka::PageRequest request;
    request.topic = m_topic;
    request.partition = work.partition;
    request.anchor = kafka::PageRequest::Anchor::Offset;
    request.offset = firstOffset;
    request.count = int(targets.at(lastInPage).offset - firstOffset + 1);
    request.timeoutMs = m_config.kafkaTimeoutMs;
    QString error;
    const std::optional<kafka::Page> page = m_browser->page(request, &error);
    if (!page) {
        abandonRest(error);
        return false;
    }
    const QList<kafka::KafkaRecord> &records = page->records;
    // Records arrived up to here; targets after it wait for the next page (a page
    // cut short by its deadline), unless this one brought nothing at all.
    const qint64 lastRead = records.isEmpty() ? page->startOffset - 1 : records.last().offset;
    QByteArray pipeline;
    int count = 0;
    qsizetype k = 0;
    qsizetype t = first;
    for (; t <= lastInPage; ++t) {
        const ReplayTarget &target = targets.at(t);
        const QString where = recordPlace(m_topic, work.partition, target.offset);
        if (target.offset < page->startOffset) {
            ++m_result.skippedNotFound;
            addError(QStringLiteral("%1 (id %2): no longer retained (low watermark %3)")
                         .arg(where, QString::fromUtf8(target.id))
                         .arg(page->low));
        } else if (target.offset > lastRead) {
            if (!records.isEmpty())
                break;
            ++m_result.skippedNotFound;
            addError(QStringLiteral("%1 (id %2): no record there (high watermark %3)")
                         .arg(where, QString::fromUtf8(target.id))
                         .arg(page->high));
        } else {
            while (k < records.size() && records.at(k).offset < target.offset)
                ++k;
            if (k < records.size() && records.at(k).offset == target.offset) {
                const kafka::KafkaRecord &record = records.at(k);
                if (appendRecord(m_topic, work.partition, record.offset, record.valueIsNull,
                                 record.value, target.id, &pipeline))
                    ++count;
            } else {
                ++m_result.skippedNotFound;
                addError(QStringLiteral("%1 (id %2): no record at this offset (compacted away?)")
                             .arg(where, QString::fromUtf8(target.id)));
            }
        }
        ++m_done;
    }
    work.nextTarget = t;
    sendPipeline(pipeline, count);
    return true;
}

bool NotificationReplay::appendRecord(const QByteArray &topic, qint32 partition, qint64 offset,
                                      bool valueIsNull, const QByteArray &value,
                                      const QByteArray &expectedId, QByteArray *pipeline)
{
    const auto where = [&] { return recordPlace(topic, partition, offset); };
    if (valueIsNull) {
        ++m_result.skippedUnparseable;
        addError(QStringLiteral("%1: no value (a tombstone)").arg(where()));
        return false;
    }
    RecordFields fields;
    QString why;
    if (!m_reader.read(value, &fields, &why)) {
        ++m_result.skippedUnparseable;
        addError(QStringLiteral("%1: %2").arg(where(), why));
        return false;
    }
    if (!expectedId.isEmpty() && fields.id != expectedId) {
        ++m_result.skippedNotFound;
        addError(QStringLiteral("%1 holds id %2, not %3: was the topic rewritten since the "
                                "report?")
                     .arg(where(), QString::fromUtf8(fields.id), QString::fromUtf8(expectedId)));
        return false;
    }
    event::Event event;
    event.id = fields.id;
    event.type = fields.type;
    event.sourceType = fields.sourceType;
    event.sourceId = fields.sourceId;
    QByteArray channel;
    if (!m_config.channelTemplate.expand(event, &channel, &why)) {
        ++m_result.skippedNoChannel;
        addError(QStringLiteral("%1 (id %2): no channel: %3")
                     .arg(where(), QString::fromUtf8(fields.id), why));
        return false;
    }
    const QByteArray notification = encodeNotification(fields, m_config.mapping);
    redis::appendCommand(*pipeline, {QByteArrayView("PUBLISH"), QByteArrayView(channel),
                                     QByteArrayView(notification)});
    return true;
}

void NotificationReplay::sendPipeline(const QByteArray &pipeline, int count)
{
    if (count == 0)
        return;
    ++m_inFlight;
    const quint64 batchId = ++m_lastBatchId;
    QMetaObject::invokeMethod(
        m_sender,
        [sender = m_sender, batchId, pipeline, count] { sender->send(batchId, pipeline, count); },
        Qt::QueuedConnection);
}

void NotificationReplay::onBatchDone(const RedisBatchResult &result)
{
    if (m_ended)
        return;
    --m_inFlight;
    if (result.skipped) {
        m_result.failed += result.count;
        addError(
            QStringLiteral("Redis was not connected: %1 notifications not sent").arg(result.count));
        abandonRest(QStringLiteral("Redis is not connected"));
    } else {
        m_result.failed += result.failures.size();
        m_result.sent += result.count - result.failures.size();
        if (!result.failures.isEmpty())
            addError(QStringLiteral("%1 of %2 PUBLISH commands failed, first: %3")
                         .arg(result.failures.size())
                         .arg(result.count)
                         .arg(result.failures.first().second));
    }
    emitProgress(false);
    schedulePump();
}

void NotificationReplay::abandonRest(const QString &why)
{
    if (!m_abandonReason.isEmpty())
        return;
    m_abandonReason = why;
    qint64 rest = 0;
    for (qsizetype i = m_currentWork; i < m_work.size(); ++i) {
        Work &work = m_work[i];
        if (m_fromReport) {
            rest += work.targets.size() - work.nextTarget;
            work.nextTarget = work.targets.size();
        } else {
            rest += work.end - work.next;
            work.next = work.end;
        }
    }
    m_currentWork = m_work.size();
    m_done += rest;
    if (!m_fromReport)
        m_result.requested += rest; // offsets not read: at most this many records
    m_result.failed += rest;
    addError(rest > 0 ? QStringLiteral("%1: %2 records not replayed").arg(why).arg(rest) : why);
    qCWarning(lcReplay).noquote() << "replay stopped:" << why;
}

void NotificationReplay::addError(const QString &error)
{
    if (m_result.errors.size() < ReplayResult::kMaxErrors)
        m_result.errors.append(error);
}

void NotificationReplay::emitProgress(bool force)
{
    if (!force && m_progressClock.elapsed() < kProgressIntervalMs)
        return;
    m_progressClock.restart();
    emit progress(m_done, m_total);
}

void NotificationReplay::finish()
{
    if (m_ended)
        return;
    m_ended = true;
    stopSender();
    emit progress(m_done, m_total);
    qCInfo(lcReplay, "replayed %lld: sent %lld, failed %lld, skipped %lld",
           qlonglong(m_result.requested), qlonglong(m_result.sent), qlonglong(m_result.failed),
           qlonglong(m_result.skipped()));
    emit finished(m_result);
}

void NotificationReplay::fail(const QString &error)
{
    if (m_ended)
        return;
    m_ended = true;
    stopSender();
    emit failed(error);
}

void NotificationReplay::stopSender()
{
    if (!m_senderThread)
        return;
    // Blocking: the sender's thread serves only the sender, so this cannot
    // deadlock, and afterwards no reply of the stopped connection arrives late.
    QMetaObject::invokeMethod(m_sender, &NotificationSender::stop, Qt::BlockingQueuedConnection);
    m_senderThread->quit();
    m_senderThread->wait();
    delete m_senderThread; // its finished() has queued the sender's deleteLater
    m_senderThread = nullptr;
    m_sender = nullptr;
}

} // namespace dualscope::publish
