// SPDX-License-Identifier: MIT
#include "check/checksession.h"

#include "kafka/kafkarecord.h"
#include "kafka/kafkatail.h"
#include "redis/redismonitor.h"

#include <QDateTime>
#include <QThread>
#include <QTimer>
#include <limits>

namespace dualscope::check {

Q_LOGGING_CATEGORY(lcCheck, "dualscope.gap", QtInfoMsg)

namespace {

// How often the detector judges what its grace window allows and progress goes out.
constexpr int kTickMs = 100;
// How far before the start a check from the end reads the topic, beyond the grace
// window: records of notifications in flight at the start, produced a little late.
constexpr qint64 kLookbackMarginMs = 1000;
// A group member commits what it judged this often.
constexpr int kCommitEveryTicks = 1000 / kTickMs;
// Channels whose partition is remembered; cleared when full (a week of new sources).
constexpr qsizetype kMaxRememberedChannels = 65'536;
constexpr qint64 kKeepForever = std::numeric_limits<qint64>::max();
// After the window ends, how long the Kafka tail may take to catch up before the
// result is given anyway (a lagging consumer is not the system's fault).
constexpr qint64 kCatchUpAllowanceMs = 10'000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

CheckSession::CheckSession(CheckConfig config, QObject *parent)
    : QObject(parent), m_config(std::move(config))
{
    if (m_config.sharedMonitorBacklog)
        m_redisBacklog = m_config.sharedMonitorBacklog;
}

CheckSession::~CheckSession()
{
    stopPeers();
}

void CheckSession::start()
{
    QString error;
    if (!gap::GapDetector::validate(m_config.detector, &error)) {
        fail(error);
        return;
    }
    for (const QByteArray &pattern : m_config.patterns) {
        if (!redis::validatePattern(pattern, &error)) {
            fail(error);
            return;
        }
    }
    if (!m_config.group.isEmpty() && !m_config.detector.channelTemplate.hasSourceId()) {
        fail(QStringLiteral("a checker in a group tells its notifications by the source id in "
                            "the channel: the channel template %1 has no {source_id}")
                 .arg(m_config.detector.channelTemplate.text()));
        return;
    }
    m_sinceStart.start();
    m_sinceActivity.start();
    m_windowStartMs = nowMs();

    if (m_config.sharedMonitor) {
        m_monitor = m_config.sharedMonitor;
    } else {
        redis::RedisMonitor::Options monitorOptions;
        monitorOptions.connection.url = m_config.redisUrl;
        monitorOptions.connection.connectTimeoutMs = m_config.connectTimeoutMs;
        // The checker needs the messages and the PING clock, not per-channel counters.
        monitorOptions.trackChannelStats = false;
        // What this thread has not taken in yet: past the bound the monitor stops
        // reading (Redis holds the rest) instead of this process growing without bound.
        monitorOptions.consumerBacklog = m_redisBacklog;
        m_redisThread = new QThread(this);
        m_redisThread->setObjectName(QStringLiteral("check-redis"));
        m_monitor = new redis::RedisMonitor(monitorOptions);
        m_monitor->moveToThread(m_redisThread);
        connect(m_redisThread, &QThread::finished, m_monitor, &QObject::deleteLater);
    }
    connect(m_monitor, &redis::RedisMonitor::messages, this, &CheckSession::onMessages);
    connect(m_monitor, &redis::RedisMonitor::deliveredUpTo, this,
            [this](qint64 wallMs) { m_redisClockMs = std::max(m_redisClockMs, wallMs); });
    connect(m_monitor, &redis::RedisMonitor::outageStarted, this, &CheckSession::onOutageStarted);
    connect(m_monitor, &redis::RedisMonitor::outageEnded, this, &CheckSession::onOutageEnded);
    connect(m_monitor, &redis::RedisMonitor::startFailed, this,
            [this](const QString &why) { fail(QStringLiteral("Redis: ") + why); });
    connect(m_monitor, &redis::RedisMonitor::subscribed, this, [this] {
        if (m_subscribed)
            return; // a resubscription after an outage
        m_subscribed = true;
        if (!m_detector) {
            // Redis first, then Kafka: every record the tail hands out can have its
            // notification seen.
            startJudging(nowMs());
        }
        maybeReady();
    });

    m_kafkaThread = new QThread(this);
    m_kafkaThread->setObjectName(QStringLiteral("check-kafka"));
    kafka::TailOptions tailOptions;
    tailOptions.topic = m_config.topic;
    tailOptions.resolveTimeoutMs = m_config.connectTimeoutMs * 2;
    tailOptions.consumerBacklog = m_kafkaBacklog;
    tailOptions.group = m_config.group.toUtf8();
    switch (m_config.from) {
    case CheckConfig::From::End:
        // From the end, and a little before it: the records of notifications that
        // arrive just after the start are then read, so such a notification is judged
        // (matched, or an orphan for sure) instead of left in doubt. Those records
        // are context, not events of the window (contextBeforeMs).
        tailOptions.from = kafka::TailOptions::From::Timestamp;
        tailOptions.timestampMs = nowMs() - m_config.detector.graceMs - kLookbackMarginMs;
        m_tailStartMs = tailOptions.timestampMs;
        break;
    case CheckConfig::From::Beginning:
        tailOptions.from = kafka::TailOptions::From::Beginning;
        m_tailStartMs = std::numeric_limits<qint64>::min() / 2;
        break;
    case CheckConfig::From::Timestamp:
        tailOptions.from = kafka::TailOptions::From::Timestamp;
        tailOptions.timestampMs = m_config.fromTimestampMs;
        m_tailStartMs = m_config.fromTimestampMs;
        break;
    }
    m_tail = new kafka::KafkaTail(m_config.kafkaBootstrap, m_config.kafkaProperties, tailOptions);
    m_tail->moveToThread(m_kafkaThread);
    connect(m_kafkaThread, &QThread::finished, m_tail, &QObject::deleteLater);
    connect(m_tail, &kafka::KafkaTail::records, this, &CheckSession::onRecords);
    connect(m_tail, &kafka::KafkaTail::readUpTo, this, &CheckSession::onKafkaReadUpTo);
    connect(m_tail, &kafka::KafkaTail::partitionsAssigned, this,
            &CheckSession::onPartitionsAssigned);
    connect(m_tail, &kafka::KafkaTail::partitionsRevoked, this,
            [this](const QList<qint32> &partitions, bool, qint64 atMs) {
                onPartitionsRevoked(partitions, atMs);
            });
    connect(m_tail, &kafka::KafkaTail::errorOccurred, this, [this](const QString &why) {
        if (!m_positioned)
            fail(QStringLiteral("Kafka: ") + why);
        else
            qCWarning(lcCheck).noquote() << "Kafka:" << why;
    });
    connect(m_tail, &kafka::KafkaTail::recordsSkipped, this,
            [this](qint32 partition, qint64 from, qint64 to) {
                m_detector->kafkaRecordsLost(nowMs());
                m_kafkaSkipped.append({partition, from, to - 1});
                emit warning(QStringLiteral("the Kafka tail could not read offsets %1-%2 of "
                                            "partition %3 (retention deleted them first): "
                                            "notifications of that time are not judged")
                                 .arg(from)
                                 .arg(to - 1)
                                 .arg(partition));
            });
    connect(m_tail, &kafka::KafkaTail::positioned, this, [this] {
        // Records appended before the tail's start are not read: a notification of
        // that time may be of one of them.
        if (m_detector)
            m_detector->setKafkaReadsFrom(m_tailStartMs);
        m_positioned = true;
        maybeReady();
    });

    if (m_redisThread)
        m_redisThread->start();
    m_kafkaThread->start();
    const QList<QByteArray> patterns = m_config.patterns;
    redis::RedisMonitor *monitor = m_monitor;
    const bool own = !m_config.sharedMonitor;
    QMetaObject::invokeMethod(m_monitor, [monitor, patterns, own] {
        for (const QByteArray &pattern : patterns)
            monitor->subscribe(pattern, true);
        if (own)
            monitor->start(); // a shared monitor is started by its owner
    });

    m_tick = new QTimer(this);
    m_tick->setInterval(kTickMs);
    connect(m_tick, &QTimer::timeout, this, &CheckSession::tick);
    m_tick->start();
}

void CheckSession::startJudging(qint64 observedSinceMs)
{
    gap::GapDetector::Config detectorConfig = m_config.detector;
    detectorConfig.observedSinceMs = observedSinceMs;
    if (!m_config.group.isEmpty())
        detectorConfig.partitionOfChannel = [this](const QByteArray &channel) {
            return partitionOfChannel(channel);
        };
    if (m_config.from == CheckConfig::From::End)
        detectorConfig.contextBeforeMs = observedSinceMs;
    m_detector.emplace(detectorConfig);
    QMetaObject::invokeMethod(m_tail, &kafka::KafkaTail::start);
}

void CheckSession::maybeReady()
{
    // The window opens once Kafka is positioned and Redis is either subscribed or
    // known to be unreachable (its events are then unobserved): a Redis that never
    // comes must not keep the window from ending.
    if (!m_windowOpen && m_positioned && (m_subscribed || m_redisUnreachableAtStart)) {
        m_windowOpen = true;
        // What came before is not judged.
        m_windowStartMs = nowMs();
        m_sinceActivity.restart();
        m_sinceStart.restart();
        m_sinceSnapshot.start();
    }
    if (m_ready || !m_subscribed || !m_positioned)
        return;
    // READY means both streams are watched.
    m_ready = true;
    emit ready();
}

void CheckSession::onRecords(const QList<kafka::KafkaRecord> &records)
{
    if (m_done || !m_detector) {
        m_kafkaBacklog->fetch_sub(records.size());
        return;
    }
    m_sinceActivity.restart();
    // After the window closed, the detector keeps records stamped later outside it.
    for (const kafka::KafkaRecord &record : records)
        m_detector->addKafka(gap::KafkaObservation{record.partition, record.offset,
                                                   record.timestampMs, record.key, record.value});
    if (!m_config.group.isEmpty()) {
        // Its verdict is due once the Redis clock passed its grace window (sooner when
        // matched; the later bound keeps commits on the safe side).
        for (const kafka::KafkaRecord &record : records) {
            const auto uncommitted = m_uncommitted.find(record.partition);
            if (uncommitted == m_uncommitted.end())
                continue;
            uncommitted->records.emplace_back(record.offset,
                                              record.timestampMs + m_config.detector.graceMs);
            uncommitted->next = record.offset + 1;
        }
    }
    m_kafkaBacklog->fetch_sub(records.size());
}

void CheckSession::onMessages(const QList<redis::PubSubMessage> &messages)
{
    if (m_done || !m_detector) {
        m_redisBacklog->fetch_sub(messages.size());
        return;
    }
    m_sinceActivity.restart();
    const bool group = !m_config.group.isEmpty();
    const bool shared = m_config.sharedMonitor != nullptr;
    for (const redis::PubSubMessage &message : messages) {
        // A shared monitor also carries the live view's own subscriptions.
        if (shared && (message.pattern.isEmpty() || !m_config.patterns.contains(message.pattern)))
            continue;
        qint32 partition = -1;
        if (group) {
            // Decided from the channel alone, before any JSON is parsed: another
            // member's notification costs a hash lookup.
            partition = partitionOfChannel(message.channel);
            const qint64 deliveredMs =
                message.deliveredMs >= 0 ? message.deliveredMs : message.receivedMs;
            if (partition < 0 || deliveredMs > m_keepNotificationsUntil[size_t(partition)])
                continue; // another member's
        }
        m_detector->addRedis(gap::RedisObservation{message.channel, message.pattern,
                                                   message.payload, message.receivedMs,
                                                   message.deliveredMs, partition});
    }
    m_redisBacklog->fetch_sub(messages.size());
}

void CheckSession::onOutageStarted(const redis::SubscriptionOutage &outage)
{
    if (outage.beforeFirstSubscription && !m_detector) {
        // Redis is not reachable at start: Kafka is watched anyway, and the time
        // until the first subscription is an outage (its events are unobserved).
        m_redisUnreachableAtStart = true;
        m_redisUnreachableCause = outage.cause;
        emit warning(outage.cause + QStringLiteral(": the check goes on with Kafka and keeps "
                                                   "trying; until Redis is subscribed, events "
                                                   "are unobserved"));
        startJudging(outage.startMs);
    }
    if (m_detector)
        m_detector->redisSubscriptionDown(outage.startMs, outage.cause);
}

void CheckSession::onOutageEnded(const redis::SubscriptionOutage &outage)
{
    if (m_detector)
        m_detector->redisSubscriptionUp(outage.endMs);
}

void CheckSession::onKafkaReadUpTo(qint64 wallMs)
{
    // The tail's records up to this moment came before this signal (one thread, in order).
    m_kafkaClockMs = std::max(m_kafkaClockMs, wallMs);
    if (m_detector)
        m_detector->setKafkaReadUpTo(m_kafkaClockMs);
}

qint32 CheckSession::partitionOfChannel(const QByteArray &channel)
{
    if (m_partitionCount <= 0)
        return -1; // no assignment yet
    const auto known = m_channelPartitions.constFind(channel);
    if (known != m_channelPartitions.cend())
        return *known;
    const std::optional<QByteArray> sourceId =
        m_config.detector.channelTemplate.sourceIdOf(channel);
    const qint32 partition =
        sourceId ? kafka::partitionOfKey(m_config.partitioner, *sourceId, m_partitionCount) : 0;
    if (m_channelPartitions.size() >= kMaxRememberedChannels)
        m_channelPartitions.clear();
    m_channelPartitions.insert(channel, partition);
    return partition;
}

void CheckSession::onPartitionsAssigned(const QList<qint32> &partitions, qint32 partitionCount,
                                        qint64 atMs)
{
    if (partitionCount != m_partitionCount) {
        // A topic that gained partitions moves keys: every channel is mapped again.
        m_partitionCount = partitionCount;
        m_channelPartitions.clear();
        m_keepNotificationsUntil.resize(size_t(std::max(partitionCount, 0)),
                                        std::numeric_limits<qint64>::min());
    }
    for (const qint32 partition : partitions) {
        if (partition < 0 || partition >= m_partitionCount)
            continue;
        m_keepNotificationsUntil[size_t(partition)] = kKeepForever;
        m_uncommitted.insert(partition, Uncommitted());
        if (m_detector)
            m_detector->partitionAssigned(partition, atMs);
    }
    emit partitionsChanged(ownedPartitions());
}

void CheckSession::onPartitionsRevoked(const QList<qint32> &partitions, qint64 atMs)
{
    // The tail committed everything it handed out: this member judges those records,
    // so it keeps their notifications for one more grace window.
    for (const qint32 partition : partitions) {
        if (partition < 0 || partition >= m_partitionCount)
            continue;
        m_keepNotificationsUntil[size_t(partition)] = atMs + m_config.detector.graceMs;
        m_uncommitted.remove(partition);
        if (m_detector)
            m_detector->partitionRevoked(partition, m_kafkaClockMs);
    }
    emit partitionsChanged(ownedPartitions());
}

QList<qint32> CheckSession::ownedPartitions() const
{
    QList<qint32> owned;
    for (size_t i = 0; i < m_keepNotificationsUntil.size(); ++i) {
        if (m_keepNotificationsUntil[i] == kKeepForever)
            owned.append(qint32(i));
    }
    return owned;
}

void CheckSession::commitJudged()
{
    // advance(m_redisClockMs) judged every record whose deadline is before the clock.
    QHash<qint32, qint64> next;
    for (auto it = m_uncommitted.begin(); it != m_uncommitted.end(); ++it) {
        Uncommitted &partition = it.value();
        while (!partition.records.empty() && partition.records.front().second < m_redisClockMs)
            partition.records.pop_front();
        const qint64 offset =
            partition.records.empty() ? partition.next : partition.records.front().first;
        if (offset >= 0)
            next.insert(it.key(), offset);
    }
    if (next.isEmpty())
        return;
    kafka::KafkaTail *tail = m_tail;
    QMetaObject::invokeMethod(m_tail, [tail, next] { tail->commit(next); });
}

void CheckSession::sampleLag()
{
    // How far behind real time each stream is read: the checker's own lag, never
    // the system's latency.
    const qint64 now = nowMs();
    if (m_redisClockMs > 0)
        m_redisLag.record(std::max<qint64>(0, now - m_redisClockMs) * 1000);
    if (m_kafkaClockMs > 0)
        m_kafkaLag.record(std::max<qint64>(0, now - m_kafkaClockMs) * 1000);
    if (m_ticks % (1000 / kTickMs) == 0) {
        CheckStatus status;
        status.counts = m_detector->counts();
        status.latency = m_detector->latency();
        status.redisLagMs = m_redisClockMs > 0 ? now - m_redisClockMs : -1;
        status.kafkaLagMs = m_kafkaClockMs > 0 ? now - m_kafkaClockMs : -1;
        status.outages = m_detector->outages().size();
        status.partitions = m_config.group.isEmpty() ? int(m_tail->positions().size())
                                                     : int(ownedPartitions().size());
        emit this->status(status);
    }
}

void CheckSession::tick()
{
    if (m_done || !m_detector)
        return;
    if (m_redisClockMs > 0)
        m_detector->advance(m_redisClockMs);
    collectGaps();
    reportTrace();
    if (!m_config.group.isEmpty() && m_ticks % kCommitEveryTicks == 0)
        commitJudged();
    emit progress(m_detector->counts());
    if (++m_ticks % (1000 / kTickMs) == 0) {
        emit latencySnapshot(m_detector->latency());
        emit windowSnapshot(windowSoFar());
    }
    if (!m_windowOpen)
        return;
    sampleLag();
    if (m_config.snapshotEveryMs > 0 && m_windowEndMs < 0 &&
        m_sinceSnapshot.elapsed() >= m_config.snapshotEveryMs) {
        m_sinceSnapshot.restart();
        emit snapshot(resultSoFar());
    }
    if (m_windowEndMs < 0) {
        const bool durationOver =
            m_config.durationMs > 0 && m_sinceStart.elapsed() >= m_config.durationMs;
        const bool idle =
            m_config.untilIdleMs > 0 && m_sinceActivity.elapsed() >= m_config.untilIdleMs;
        if (durationOver || idle)
            endWindow();
        return;
    }
    // The window is closed: every notification taken must be judged. Done once both
    // clocks passed the end plus the grace window: the Redis subscription read to
    // there (the events' last notifications came), and Kafka read to what was
    // appended by then (a notification's record, even in parallel ordering). The
    // wait is bounded: what a lagging checker could not reach is not judged.
    const qint64 due = m_windowEndMs + m_config.detector.graceMs;
    const qint64 sinceEnd = m_sinceStart.elapsed() - m_windowEndMonoMs;
    const bool allowanceOver = sinceEnd >= m_config.detector.graceMs + kCatchUpAllowanceMs;
    if ((m_redisClockMs >= due && m_kafkaClockMs >= due) || allowanceOver)
        finish();
}

void CheckSession::stop()
{
    if (m_done)
        return;
    if (!m_windowOpen) {
        fail(QStringLiteral("stopped before the check was watching both streams"));
        return;
    }
    if (m_windowEndMs < 0)
        endWindow();
}

void CheckSession::endWindow()
{
    m_windowEndMs = nowMs();
    m_detector->closeWindow(m_windowEndMs);
    m_windowEndMonoMs = m_sinceStart.elapsed();
    // A member that ends while others go on reads no partition it is handed now: the
    // others judge those (a member ending alone hands its partitions to them).
    if (!m_config.group.isEmpty())
        QMetaObject::invokeMethod(m_tail, &kafka::KafkaTail::declineNewPartitions);
    qCInfo(lcCheck) << "window closed; waiting" << m_config.detector.graceMs
                    << "ms for the last notifications";
}

void CheckSession::traceEvent(const QByteArray &id)
{
    m_tracedId = id;
    m_tracedStatus.reset();
    m_tracedDetail.clear();
    reportTrace();
}

void CheckSession::reportStatuses(const QList<QByteArray> &ids)
{
    QList<gap::EventStatus> statuses;
    statuses.reserve(ids.size());
    for (const QByteArray &id : ids) {
        gap::EventStatus status;
        if (m_detector)
            status = m_detector->statusOf(id);
        else
            status.id = id;
        statuses.append(status);
    }
    emit statusesReported(statuses);
}

void CheckSession::reportTrace()
{
    if (m_tracedId.isEmpty())
        return;
    gap::EventStatus status;
    if (m_detector) {
        status = m_detector->statusOf(m_tracedId);
    } else {
        status.id = m_tracedId;
        status.detail = QStringLiteral("the checker is not watching yet");
    }
    if (status.detail.isEmpty())
        status.detail = m_tracedDetail;
    if (m_tracedStatus && status.stage == gap::EventStatus::Stage::NotSeen &&
        m_tracedStatus->stage != gap::EventStatus::Stage::NotSeen) {
        m_tracedId.clear(); // forgotten after its memory window: the last word stands
        return;
    }
    if (m_tracedStatus == status)
        return;
    m_tracedStatus = status;
    emit eventTraced(status);
}

void CheckSession::collectGaps()
{
    if (QList<gap::MatchedEvent> matches = m_detector->takeMatches(); !matches.isEmpty())
        emit matchesFound(matches);
    const QList<gap::Gap> gaps = m_detector->takeGaps();
    if (gaps.isEmpty())
        return;
    if (!m_tracedId.isEmpty()) {
        for (const gap::Gap &gap : gaps) {
            if (gap.id == m_tracedId)
                m_tracedDetail = gap.detail;
        }
    }
    QList<gap::Gap> listed;
    for (const gap::Gap &gap : gaps) {
        if (gap.revises) {
            // A revised verdict replaces its row: the report holds the final verdicts.
            const auto original = m_silentGapRows.constFind(gap.id);
            if (original != m_silentGapRows.cend()) {
                const qsizetype row = *original;
                m_silentGapRows.erase(original);
                if (gap.kind == gap::GapKind::Matched) {
                    m_gaps.removeAt(row);
                    for (qsizetype &later : m_silentGapRows) {
                        if (later > row)
                            --later;
                    }
                } else {
                    m_gaps[row] = gap;
                }
                listed.append(gap);
                continue;
            }
            if (gap.kind == gap::GapKind::Matched) {
                listed.append(gap); // its original was not listed: nothing to remove
                continue;
            }
        }
        if (m_gaps.size() >= m_config.maxReportedGaps) {
            ++m_gapsNotListed;
            continue;
        }
        if (gap.kind == gap::GapKind::Missing || gap.kind == gap::GapKind::Unobserved)
            m_silentGapRows.insert(gap.id, m_gaps.size());
        m_gaps.append(gap);
        listed.append(gap);
    }
    if (!listed.isEmpty())
        emit gapsFound(listed);
}

void CheckSession::finish()
{
    if (m_done || !m_detector)
        return;
    if (!m_subscribed) {
        fail(QStringLiteral("Redis was never reached during the window: %1")
                 .arg(m_redisUnreachableCause));
        return;
    }
    m_detector->finishAt(m_redisClockMs, m_kafkaClockMs);
    collectGaps();
    // Every record read has its verdict now: the group's next owner starts after them.
    if (!m_config.group.isEmpty())
        QMetaObject::invokeMethod(m_tail, &kafka::KafkaTail::commitEverythingRead,
                                  Qt::BlockingQueuedConnection);
    m_done = true;
    m_tick->stop();
    const CheckResult result = resultSoFar();
    stopPeers();
    emit finished(result);
}

CheckResult CheckSession::resultSoFar() const
{
    CheckResult result;
    result.counts = m_detector->counts();
    result.latency = m_detector->latency();
    result.window = windowSoFar();
    result.gaps = m_gaps;
    result.gapsNotListed = m_gapsNotListed;
    return result;
}

gap::ReportWindow CheckSession::windowSoFar() const
{
    gap::ReportWindow window;
    window.startMs = m_windowStartMs;
    window.endMs = m_windowEndMs >= 0 ? m_windowEndMs : nowMs();
    window.topic = m_config.topic;
    window.patterns = m_config.patterns;
    window.outages = m_detector->outages();
    window.checkerLagMs = gap::LatencySummary::of(m_redisLag);
    window.kafkaTailLagMs = gap::LatencySummary::of(m_kafkaLag);
    window.kafkaSkipped = m_kafkaSkipped;
    window.settings.graceMs = m_config.detector.graceMs;
    window.settings.lateMs = m_config.detector.lateMs;
    window.settings.maxNotificationBytes = m_config.detector.maxNotificationBytes;
    window.settings.channelTemplate = m_config.detector.channelTemplate.text();
    window.settings.group = m_config.group;
    window.settings.instance = m_config.instance;
    // positions() may be called from any thread.
    for (const kafka::TailPosition &position : m_tail->positions())
        window.partitions.append(
            gap::PartitionRange{position.partition, position.firstOffset, position.lastOffset});
    return window;
}

void CheckSession::fail(const QString &error)
{
    if (m_done)
        return;
    m_done = true;
    if (m_tick)
        m_tick->stop();
    stopPeers();
    emit failed(error);
}

void CheckSession::stopPeers()
{
    // Blocking: each peer's thread serves only that peer, so this cannot deadlock.
    if (m_redisThread) {
        QMetaObject::invokeMethod(m_monitor, &redis::RedisMonitor::stop,
                                  Qt::BlockingQueuedConnection);
        m_redisThread->quit();
        m_redisThread->wait();
        m_redisThread = nullptr;
        m_monitor = nullptr; // deleted as its thread finished
    } else if (m_monitor) {
        // Shared: its owner stops it. This session stops listening, except to
        // messages(): onMessages() goes on taking them off the shared backlog, so
        // a finished check never pauses the monitor for its other consumers.
        disconnect(m_monitor, &redis::RedisMonitor::deliveredUpTo, this, nullptr);
        disconnect(m_monitor, &redis::RedisMonitor::outageStarted, this, nullptr);
        disconnect(m_monitor, &redis::RedisMonitor::outageEnded, this, nullptr);
        disconnect(m_monitor, &redis::RedisMonitor::startFailed, this, nullptr);
        disconnect(m_monitor, &redis::RedisMonitor::subscribed, this, nullptr);
    }
    if (m_kafkaThread) {
        QMetaObject::invokeMethod(m_tail, &kafka::KafkaTail::stop, Qt::BlockingQueuedConnection);
        m_kafkaThread->quit();
        m_kafkaThread->wait();
        m_kafkaThread = nullptr;
        m_tail = nullptr; // deleted as its thread finished
    }
}

} // namespace dualscope::check
