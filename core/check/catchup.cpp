// SPDX-License-Identifier: MIT
#include "check/catchup.h"

#include "kafka/kafkabrowser.h"
#include "kafka/kafkarecord.h"
#include "kafka/kafkatail.h"
#include "redis/redismonitor.h"

#include <QThread>
#include <QTimer>
#include <algorithm>

namespace dualscope::check {

Q_LOGGING_CATEGORY(lcCatchUp, "dualscope.catchup", QtInfoMsg)

bool CatchUpConfig::validate(const CatchUpConfig &config, QString *error)
{
    if (config.topic.isEmpty()) {
        *error = QStringLiteral("no Kafka topic given");
        return false;
    }
    if (config.patterns.isEmpty()) {
        *error = QStringLiteral("no Redis pattern given");
        return false;
    }
    for (const QByteArray &pattern : config.patterns) {
        if (!redis::validatePattern(pattern, error))
            return false;
    }
    if (!gap::FieldMapping::validate(config.mapping, error))
        return false;
    // One page per partition holds the partition's share, so the page limit applies.
    if (config.recentCount < 0 || config.recentCount > kafka::KafkaBrowser::kMaxPageCount) {
        *error = QStringLiteral("the recent count must be 0 to %1, not %2")
                     .arg(kafka::KafkaBrowser::kMaxPageCount)
                     .arg(config.recentCount);
        return false;
    }
    if (config.dedupWindow < 1) {
        *error = QStringLiteral("the de-duplication window must hold at least one id, not %1")
                     .arg(config.dedupWindow);
        return false;
    }
    if (config.connectTimeoutMs < 1 || config.loadTimeoutMs < 1) {
        *error = QStringLiteral("the timeouts must be positive, not %1 ms and %2 ms")
                     .arg(config.connectTimeoutMs)
                     .arg(config.loadTimeoutMs);
        return false;
    }
    if (config.maxBuffered < 0) {
        *error =
            QStringLiteral("the buffer limit must not be negative, not %1").arg(config.maxBuffered);
        return false;
    }
    return true;
}

IdWindow::IdWindow(qsizetype capacity) : m_capacity(std::max<qsizetype>(capacity, 1)) {}

bool IdWindow::insert(const QByteArray &id)
{
    if (m_ids.contains(id))
        return false;
    if (m_ring.size() < m_capacity) {
        m_ring.append(id);
    } else {
        m_ids.remove(m_ring[m_next]);
        m_ring[m_next] = id;
        m_next = (m_next + 1) % m_capacity;
    }
    m_ids.insert(id);
    return true;
}

CatchUpFeed::CatchUpFeed(CatchUpConfig config, QObject *parent)
    : QObject(parent), m_config(std::move(config)),
      m_window(std::max(m_config.dedupWindow, m_config.recentCount)),
      m_reader(m_config.mapping, m_config.channelTemplate)
{
    qRegisterMetaType<FeedItem>();
    qRegisterMetaType<QList<FeedItem>>();
    qRegisterMetaType<QList<kafka::KafkaRecord>>();
    qRegisterMetaType<QList<redis::PubSubMessage>>();
}

CatchUpFeed::~CatchUpFeed()
{
    stopPeers();
}

void CatchUpFeed::start()
{
    if (m_state != State::Idle)
        return;
    QString error;
    if (!CatchUpConfig::validate(m_config, &error)) {
        fail(error);
        return;
    }
    m_state = State::Subscribing;

    redis::RedisMonitor::Options monitorOptions;
    monitorOptions.connection.url = m_config.redisUrl;
    monitorOptions.connection.connectTimeoutMs = m_config.connectTimeoutMs;
    m_redisThread = new QThread(this);
    m_redisThread->setObjectName(QStringLiteral("catchup-redis"));
    m_monitor = new redis::RedisMonitor(monitorOptions);
    m_monitor->moveToThread(m_redisThread);
    connect(m_redisThread, &QThread::finished, m_monitor, &QObject::deleteLater);
    connect(m_monitor, &redis::RedisMonitor::messages, this, &CatchUpFeed::onMessages);
    connect(m_monitor, &redis::RedisMonitor::subscribed, this, &CatchUpFeed::onSubscribed);
    connect(m_monitor, &redis::RedisMonitor::startFailed, this,
            [this](const QString &why) { fail(QStringLiteral("Redis: ") + why); });
    connect(m_monitor, &redis::RedisMonitor::outageStarted, this, [this] {
        // Notifications of the outage are lost; only the Kafka tail can make up.
        qCWarning(lcCatchUp) << "Redis subscription down;"
                             << (m_config.followKafka ? "the Kafka tail fills in"
                                                      : "events in the outage are missed");
    });

    m_kafkaThread = new QThread(this);
    m_kafkaThread->setObjectName(QStringLiteral("catchup-kafka"));
    m_kafkaWorker = new QObject;
    m_kafkaWorker->moveToThread(m_kafkaThread);
    connect(m_kafkaThread, &QThread::finished, m_kafkaWorker, &QObject::deleteLater);

    m_redisThread->start();
    m_kafkaThread->start();
    const QList<QByteArray> patterns = m_config.patterns;
    redis::RedisMonitor *monitor = m_monitor;
    QMetaObject::invokeMethod(m_monitor, [monitor, patterns] {
        for (const QByteArray &pattern : patterns)
            monitor->subscribe(pattern, true);
        monitor->start();
    });

    // RedisMonitor retries a lost connection forever; a start must end.
    m_subscribeTimer = new QTimer(this);
    m_subscribeTimer->setSingleShot(true);
    connect(m_subscribeTimer, &QTimer::timeout, this, [this] {
        if (m_state == State::Subscribing)
            fail(QStringLiteral("Redis: the subscription at %1 was not confirmed within %2 ms")
                     .arg(m_config.redisUrl.toDisplayString())
                     .arg(m_config.connectTimeoutMs));
    });
    m_subscribeTimer->start(m_config.connectTimeoutMs);
}

void CatchUpFeed::onSubscribed()
{
    if (m_state != State::Subscribing)
        return; // a resubscription after an outage
    m_subscribeTimer->stop();
    m_state = State::Loading;
    emit subscribed();
    // The pages are read only now: whatever Kafka holds after this moment has its
    // notification arrive on the subscription (buffered until the load is done).
    RecentEventsRequest request;
    request.kafkaBootstrap = m_config.kafkaBootstrap;
    request.kafkaProperties = m_config.kafkaProperties;
    request.topic = m_config.topic;
    request.mapping = m_config.mapping;
    request.channelTemplate = m_config.channelTemplate;
    request.count = m_config.recentCount;
    request.connectTimeoutMs = m_config.connectTimeoutMs;
    request.loadTimeoutMs = m_config.loadTimeoutMs;
    const std::atomic_bool *cancel = &m_cancel;
    QMetaObject::invokeMethod(m_kafkaWorker, [this, request, cancel] {
        const auto progress = [this](int done, int total) {
            QMetaObject::invokeMethod(this, [this, done, total] {
                if (m_state == State::Loading)
                    emit loadProgress(done, total);
            });
        };
        RecentEvents result = loadRecentEvents(request, *cancel, progress);
        // Posted to the feed's thread; dropped if the feed is gone by then.
        QMetaObject::invokeMethod(this, [this, result] { onLoaded(result); });
    });
}

void CatchUpFeed::onLoaded(const RecentEvents &result)
{
    if (m_state != State::Loading)
        return; // stopped or failed meanwhile
    if (!result.ok) {
        fail(result.error);
        return;
    }
    m_pageEnds = result.ends;
    m_counters.loaded = result.items.size();
    m_counters.unparseable += result.unparseable;
    m_counters.duplicatesDropped += result.duplicates;
    for (const FeedItem &item : result.items)
        m_window.insert(item.id);
    m_state = State::Live;
    emit recentEvents(result.items);

    // The notifications that arrived while loading: those the load showed already
    // are dropped, the rest go out (each once) before anything newer.
    QList<FeedItem> out;
    for (const FeedItem &item : std::as_const(m_buffer)) {
        if (m_window.insert(item.id)) {
            out.append(item);
            ++m_counters.bufferedDelivered;
        } else {
            ++m_counters.duplicatesDropped;
            ++m_counters.bufferedDropped;
        }
    }
    m_buffer.clear();
    m_buffer.squeeze();
    qCInfo(lcCatchUp).nospace() << "loaded " << m_counters.loaded << " recent events; "
                                << m_counters.bufferedDelivered << " buffered notifications new, "
                                << m_counters.bufferedDropped << " already loaded";
    if (!out.isEmpty()) {
        m_counters.liveDelivered += out.size();
        emit live(out);
    }
    if (m_config.followKafka)
        startTail();
}

void CatchUpFeed::startTail()
{
    kafka::TailOptions options;
    options.topic = m_config.topic;
    options.from = kafka::TailOptions::From::Offsets;
    options.offsets = m_pageEnds;
    options.resolveTimeoutMs = m_config.loadTimeoutMs;
    m_tail = new kafka::KafkaTail(m_config.kafkaBootstrap, m_config.kafkaProperties, options);
    m_tail->moveToThread(m_kafkaThread);
    connect(m_kafkaThread, &QThread::finished, m_tail, &QObject::deleteLater);
    connect(m_tail, &kafka::KafkaTail::records, this, &CatchUpFeed::onTailRecords);
    connect(m_tail, &kafka::KafkaTail::errorOccurred, this, [](const QString &why) {
        // The Redis stream goes on; the tail only makes up for lost notifications.
        qCWarning(lcCatchUp).noquote() << "Kafka tail:" << why;
    });
    QMetaObject::invokeMethod(m_tail, &kafka::KafkaTail::start);
}

void CatchUpFeed::onMessages(const QList<redis::PubSubMessage> &messages)
{
    if (m_state != State::Subscribing && m_state != State::Loading && m_state != State::Live)
        return;
    QList<FeedItem> out;
    for (const redis::PubSubMessage &message : messages) {
        FeedItem item;
        if (!m_reader.fromNotification(message, &item)) {
            ++m_counters.unparseable;
            continue;
        }
        if (m_state != State::Live) {
            if (m_buffer.size() >= m_config.maxBuffered)
                ++m_counters.bufferOverflow;
            else
                m_buffer.append(item);
            continue;
        }
        if (m_window.insert(item.id))
            out.append(item);
        else
            ++m_counters.duplicatesDropped;
    }
    if (!out.isEmpty()) {
        m_counters.liveDelivered += out.size();
        emit live(out);
    }
}

void CatchUpFeed::onTailRecords(const QList<kafka::KafkaRecord> &records)
{
    if (m_state != State::Live)
        return;
    QList<FeedItem> out;
    for (const kafka::KafkaRecord &record : records) {
        FeedItem item;
        if (!m_reader.fromRecord(record, &item)) {
            ++m_counters.unparseable;
            continue;
        }
        if (m_window.insert(item.id))
            out.append(item);
        else
            ++m_counters.duplicatesDropped;
    }
    if (!out.isEmpty()) {
        m_counters.liveDelivered += out.size();
        m_counters.liveFromKafka += out.size();
        emit live(out);
    }
}

void CatchUpFeed::stop()
{
    m_state = State::Done;
    if (m_subscribeTimer)
        m_subscribeTimer->stop();
    stopPeers();
}

void CatchUpFeed::fail(const QString &error)
{
    if (m_state == State::Done)
        return;
    m_state = State::Done;
    if (m_subscribeTimer)
        m_subscribeTimer->stop();
    stopPeers();
    emit failed(error);
}

void CatchUpFeed::stopPeers()
{
    m_cancel = true;
    // Blocking: each thread serves only this feed's peers, so this cannot deadlock.
    if (m_redisThread) {
        QMetaObject::invokeMethod(m_monitor, &redis::RedisMonitor::stop,
                                  Qt::BlockingQueuedConnection);
        m_redisThread->quit();
        m_redisThread->wait();
        m_redisThread = nullptr;
        m_monitor = nullptr; // deleted as its thread finished
    }
    if (m_kafkaThread) {
        if (m_tail)
            QMetaObject::invokeMethod(m_tail, &kafka::KafkaTail::stop,
                                      Qt::BlockingQueuedConnection);
        // A running load ends at its next check of m_cancel.
        m_kafkaThread->quit();
        m_kafkaThread->wait();
        m_kafkaThread = nullptr;
        m_kafkaWorker = nullptr; // deleted as its thread finished
        m_tail = nullptr;
    }
    m_buffer.clear();
}

} // namespace dualscope::check
