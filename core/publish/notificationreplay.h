// SPDX-License-Identifier: MIT
#pragma once

#include "event/channeltemplate.h"
#include "gap/gaptypes.h"
#include "kafka/kafkaconfig.h"
#include "publish/replayplan.h"
#include "redis/redisurl.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QLoggingCategory>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>

class QThread;

namespace dualscope::kafka {
class KafkaBrowser;
} // namespace dualscope::kafka

namespace dualscope::redis {
struct RedisError;
} // namespace dualscope::redis

namespace dualscope::publish {

Q_DECLARE_LOGGING_CATEGORY(lcReplay)

class NotificationSender;
struct RedisBatchResult;

struct ReplayConfig
{
    QByteArray kafkaBootstrap;
    kafka::Properties kafkaProperties;
    redis::RedisUrl redisUrl;
    event::ChannelTemplate channelTemplate = event::ChannelTemplate::defaultTemplate();
    // Where id, type, source_type and source_id are in the Kafka value, and where
    // the notification carries them (the same mapping `check` uses).
    gap::FieldMapping mapping;
    // Records per KafkaBrowser page, and so PUBLISH commands per Redis pipeline.
    int pageSize = 1000;
    // Bounds each Kafka request (metadata, a page, a timestamp lookup).
    int kafkaTimeoutMs = 10'000;
    // Bounds the first Redis handshake.
    int connectTimeoutMs = 5000;
};

struct ReplayResult
{
    // Records in the range (or report targets); each ends in exactly one of the
    // counts below: requested = sent + failed + every skipped count.
    qint64 requested = 0;
    qint64 sent = 0;
    // PUBLISH refused or unanswered, Redis lost, or never read (interrupted, a
    // Kafka read that failed mid-way).
    qint64 failed = 0;
    // Not JSON, not an object, no value, or no id at the id pointer.
    qint64 skippedUnparseable = 0;
    // The channel template cannot be filled from the record.
    qint64 skippedNoChannel = 0;
    // Report targets whose record is gone (below the low watermark), past the end
    // of the partition, or whose offset now holds another id.
    qint64 skippedNotFound = 0;
    // The summary quotes a few reasons; the counts carry the rest.
    static constexpr qsizetype kMaxErrors = 10;
    // The first kMaxErrors reasons, e.g. "events[2]@17: not valid JSON at byte 0: ...".
    QStringList errors;
    // Things the user should know that are not failures: a range clamped to the
    // retained records, a partition past whose end the offset lies.
    QStringList notices;

    qint64 skipped() const { return skippedUnparseable + skippedNoChannel + skippedNotFound; }
};

// Re-sends the notifications of Kafka records, read from Kafka (never from
// Redis): every record of a range, or the records of a report's `missing` gaps.
// Records are read in KafkaBrowser pages that start at the range's offsets (never
// at the start of a partition); each page's notifications go out as one Redis
// pipeline through a NotificationSender on its own thread, so reading the next
// page overlaps the replies to the last.
//
// Threading: construct anywhere, move to a worker thread, then invoke start()
// and stop() there (queued). KafkaBrowser calls block that thread, each bounded
// by kafkaTimeoutMs. Every signal is emitted on the worker thread; exactly one of
// finished() and failed() ends a started replay.
class NotificationReplay final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NotificationReplay)

public:
    NotificationReplay(ReplayConfig config, ReplayRange range, QObject *parent = nullptr);
    NotificationReplay(ReplayConfig config, QList<ReplayTarget> targets, QObject *parent = nullptr);
    ~NotificationReplay() override;

    // Resolves the range against the watermarks (failed() for an offset past the
    // end of every partition, an unknown partition, an unreachable cluster),
    // connects to Redis (failed() with the connection's message) and replays.
    void start();
    // Stops reading; what is in flight is answered, the rest counted failed.
    void stop();

signals:
    // `done` of `total` records (range: offsets) handled; at most every 100 ms,
    // and once at the end.
    void progress(qint64 done, qint64 total);
    void finished(const dualscope::publish::ReplayResult &result);
    void failed(const QString &error);

private:
    using Work = ReplayPlan::Work;

    void onRedisReady();
    void onRedisError(const dualscope::redis::RedisError &error);
    void onBatchDone(const dualscope::publish::RedisBatchResult &result);
    void maybeBegin();
    void schedulePump();
    void pump();
    // Reads one page of the current work item and sends its notifications.
    // False when the read failed (the error is in the result, the rest abandoned).
    bool readRangePage(Work &work);
    bool readTargetPage(Work &work);
    // Decodes one record and appends its PUBLISH to `pipeline`; counts a skip.
    bool appendRecord(const QByteArray &topic, qint32 partition, qint64 offset, bool valueIsNull,
                      const QByteArray &value, const QByteArray &expectedId, QByteArray *pipeline);
    void sendPipeline(const QByteArray &pipeline, int count);
    void abandonRest(const QString &why);
    void addError(const QString &error);
    void emitProgress(bool force);
    void finish();
    void fail(const QString &error);
    void stopSender();

    ReplayConfig m_config;
    // Reads each record through m_config.mapping (built once from it).
    event::FieldReader m_reader{m_config.mapping.kafkaPointers()};
    ReplayRange m_range;
    QList<ReplayTarget> m_targets;
    bool m_fromReport = false;

    std::unique_ptr<kafka::KafkaBrowser> m_browser;
    QThread *m_senderThread = nullptr;
    NotificationSender *m_sender = nullptr;

    // What start() resolved: the topic, the work items (advanced as pages are read)
    // and the total progress counts to.
    ReplayPlan m_plan;
    qsizetype m_currentWork = 0;
    ReplayResult m_result;
    qint64 m_done = 0;
    int m_inFlight = 0;
    quint64 m_lastBatchId = 0;
    bool m_planned = false;
    bool m_redisReady = false;
    bool m_begun = false;
    bool m_pumpScheduled = false;
    bool m_stopping = false;
    bool m_ended = false;
    QString m_abandonReason;
    QElapsedTimer m_progressClock;
};

} // namespace dualscope::publish

Q_DECLARE_METATYPE(dualscope::publish::ReplayResult)
