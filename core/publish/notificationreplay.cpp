// SPDX-License-Identifier: MIT
#include "publish/notificationreplay.h"

#include "event/event.h"
#include "event/fieldreader.h"
#include "kafka/kafkabrowser.h"
#include "publish/notificationsender.h"
#include "publish/replayplan.h"
#include "redis/rediscommand.h"
#include "redis/redisconnection.h"

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
    if (!m_browser->open(&error)) {
        fail(error);
        return;
    }
    std::optional<ReplayPlan> plan =
        m_fromReport ? ReplayPlan::ofTargets(*m_browser, m_targets, m_config.kafkaTimeoutMs, &error)
                     : ReplayPlan::ofRange(*m_browser, m_range, m_config.kafkaTimeoutMs, &error);
    if (!plan) {
        fail(error);
        return;
    }
    m_plan = std::move(*plan);
    m_result.notices += m_plan.notices;
    if (m_fromReport)
        m_result.requested = m_plan.requested;
    // Report targets that cannot be read are handled already: skipped, with why.
    for (const QString &why : std::as_const(m_plan.notFound)) {
        ++m_result.skippedNotFound;
        ++m_done;
        addError(why);
    }
    m_planned = true;
    qCDebug(lcReplay, "planned %lld records in %lld partition(s) of %s", qlonglong(m_plan.total),
            qlonglong(m_plan.work.size()), m_plan.topic.constData());
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
           m_currentWork < m_plan.work.size()) {
        Work &work = m_plan.work[m_currentWork];
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
    const bool allRead = !m_abandonReason.isEmpty() || m_currentWork >= m_plan.work.size();
    if (allRead && m_inFlight == 0)
        finish();
}

bool NotificationReplay::readRangePage(Work &work)
{
    kafka::PageRequest request;
    request.topic = m_plan.topic;
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
                                    .arg(partitionPlace(m_plan.topic, work.partition))
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
        if (appendRecord(m_plan.topic, work.partition, record.offset, record.valueIsNull,
                         record.value, {}, &pipeline))
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
    request.topic = m_plan.topic;
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
        const QString where = recordPlace(m_plan.topic, work.partition, target.offset);
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
                if (appendRecord(m_plan.topic, work.partition, record.offset, record.valueIsNull,
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
    for (qsizetype i = m_currentWork; i < m_plan.work.size(); ++i) {
        Work &work = m_plan.work[i];
        if (m_fromReport) {
            rest += work.targets.size() - work.nextTarget;
            work.nextTarget = work.targets.size();
        } else {
            rest += work.end - work.next;
            work.next = work.end;
        }
    }
    m_currentWork = m_plan.work.size();
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
    emit progress(m_done, m_plan.total);
}

void NotificationReplay::finish()
{
    if (m_ended)
        return;
    m_ended = true;
    stopSender();
    emit progress(m_done, m_plan.total);
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
