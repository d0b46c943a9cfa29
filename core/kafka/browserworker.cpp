// SPDX-License-Identifier: MIT
#include "kafka/browserworker.h"

#include "kafka/brokerprobe.h"
#include "kafka/kafkabrowser.h"
#include "kafka/kafkatail.h"

#include <QHash>
#include <QMetaType>
#include <QTimer>

namespace dualscope::kafka {

namespace {

// How long one broker may take to accept a connection and answer ApiVersions.
constexpr int kBrokerProbeTimeoutMs = 1000;

// Metadata goes on naming a broker that is down until the cluster notices (and
// librdkafka's mock never does), so each broker is asked directly; a partition
// whose leader or a replica did not answer says so. Over TLS or SASL the probe
// cannot tell (it speaks plaintext only) and every broker counts as up.
void markUnreachableBrokers(KafkaBrowser *browser, const Properties &properties, TopicInfo *topic)
{
    // The brokers of the metadata answer the topic came from: no second request.
    QHash<qint32, QString> unreachable;
    for (const BrokerInfo &broker : browser->lastSeenBrokers()) {
        const QByteArray address = broker.host + ':' + QByteArray::number(broker.port);
        const QString why = diagnoseBootstrap(address, properties, kBrokerProbeTimeoutMs);
        if (!why.isEmpty())
            unreachable.insert(broker.id, why);
    }
    for (PartitionInfo &partition : topic->partitions) {
        if (!partition.error.isEmpty())
            continue;
        if (const auto leader = unreachable.constFind(partition.leader);
            leader != unreachable.cend()) {
            partition.error =
                QStringLiteral("leader broker %1 is down: %2").arg(partition.leader).arg(*leader);
            continue;
        }
        for (const qint32 replica : std::as_const(partition.replicas)) {
            if (const auto down = unreachable.constFind(replica); down != unreachable.cend()) {
                partition.error = QStringLiteral("under-replicated: replica broker %1 is down: %2")
                                      .arg(replica)
                                      .arg(*down);
                break;
            }
        }
    }
}

} // namespace

BrowserWorker::BrowserWorker(QByteArray bootstrap, kafka::Properties properties, QObject *parent)
    : QObject(parent), m_bootstrap(std::move(bootstrap)), m_properties(std::move(properties))
{
    registerMetaTypes();
}

BrowserWorker::~BrowserWorker()
{
    // The tail is a child: stop it first so that it emits nothing into a
    // half-destroyed worker.
    if (m_tail)
        m_tail->stop();
}

void BrowserWorker::registerMetaTypes()
{
    qRegisterMetaType<kafka::PageRequest>();
    qRegisterMetaType<kafka::Page>();
    qRegisterMetaType<kafka::KafkaRecord>();
    qRegisterMetaType<QList<kafka::KafkaRecord>>();
    qRegisterMetaType<kafka::TopicInfo>();
    qRegisterMetaType<QList<kafka::TopicInfo>>();
    qRegisterMetaType<QList<kafka::GroupInfo>>();
    qRegisterMetaType<QList<kafka::GroupLag>>();
}

kafka::KafkaBrowser *BrowserWorker::browser(const QString &what)
{
    if (!m_browser) {
        // Created on first use, so the handle is born on the worker thread.
        auto created = std::make_unique<kafka::KafkaBrowser>(m_bootstrap, m_properties);
        QString error;
        if (!created->open(&error)) {
            emit failed(what, error);
            return nullptr;
        }
        m_browser = std::move(created);
    }
    return m_browser.get();
}

void BrowserWorker::refreshTopics()
{
    kafka::KafkaBrowser *b = browser(QStringLiteral("topics"));
    if (!b)
        return;
    QString error;
    if (const auto topics = b->topics(kRequestTimeoutMs, &error))
        emit topicsLoaded(*topics);
    else
        emit failed(QStringLiteral("topics"), error);
}

void BrowserWorker::refreshTopic(const QByteArray &topic)
{
    kafka::KafkaBrowser *b = browser(QStringLiteral("topic"));
    if (!b)
        return;
    QString error;
    if (auto info = b->topic(topic, kRequestTimeoutMs, &error)) {
        markUnreachableBrokers(b, m_properties, &*info);
        emit topicRefreshed(*info);
    } else
        emit failed(QStringLiteral("topic"), error);
}

void BrowserWorker::loadPage(const kafka::PageRequest &request)
{
    kafka::KafkaBrowser *b = browser(QStringLiteral("page"));
    if (!b)
        return;
    QString error;
    if (const auto page = b->page(request, &error))
        emit pageLoaded(*page);
    else
        emit failed(QStringLiteral("page"), error);
}

void BrowserWorker::loadGroups()
{
    kafka::KafkaBrowser *b = browser(QStringLiteral("groups"));
    if (!b)
        return;
    QString error;
    if (const auto groups = b->groups(kRequestTimeoutMs, &error))
        emit groupsLoaded(*groups);
    else
        emit failed(QStringLiteral("groups"), error);
}

void BrowserWorker::loadGroupLag(const QByteArray &group, const QByteArray &topic)
{
    kafka::KafkaBrowser *b = browser(QStringLiteral("lag"));
    if (!b)
        return;
    QString error;
    if (const auto lag = b->groupLag(group, topic, kRequestTimeoutMs, &error))
        emit groupLagLoaded(group, topic, *lag);
    else
        emit failed(QStringLiteral("lag"), error);
}

void BrowserWorker::startTail(const QByteArray &topic, qint32 partition)
{
    stopTail();
    kafka::TailOptions options;
    options.topic = topic;
    options.partitions = {partition};
    options.from = kafka::TailOptions::From::End;
    options.resolveTimeoutMs = kRequestTimeoutMs;
    m_tail = new kafka::KafkaTail(m_bootstrap, m_properties, options, this);
    connect(m_tail, &kafka::KafkaTail::records, this, &BrowserWorker::bufferTailRecords);
    connect(m_tail, &kafka::KafkaTail::positioned, this,
            [this, topic, partition] { emit tailStarted(topic, partition); });
    connect(m_tail, &kafka::KafkaTail::errorOccurred, this,
            [this](const QString &message) { emit failed(QStringLiteral("tail"), message); });
    if (!m_flushTimer) {
        m_flushTimer = new QTimer(this);
        m_flushTimer->setInterval(kTailFlushIntervalMs);
        connect(m_flushTimer, &QTimer::timeout, this, &BrowserWorker::flushTail);
    }
    // Blocks this worker thread while the tail resolves its start (bounded by
    // resolveTimeoutMs); then it polls on its own timer.
    m_tail->start();
    m_flushTimer->start();
}

void BrowserWorker::stopTail()
{
    if (!m_tail)
        return;
    m_tail->stop();
    // What was consumed before the stop still reaches the GUI.
    flushTail();
    m_flushTimer->stop();
    delete m_tail;
    m_tail = nullptr;
    emit tailStopped();
}

void BrowserWorker::bufferTailRecords(const QList<kafka::KafkaRecord> &records)
{
    m_tailBuffer.append(records);
    if (m_tailBuffer.size() > kMaxTailBatch)
        m_tailBuffer.remove(0, m_tailBuffer.size() - kMaxTailBatch);
}

void BrowserWorker::flushTail()
{
    if (m_tailBuffer.isEmpty())
        return;
    emit tailRecords(std::exchange(m_tailBuffer, {}));
}

} // namespace dualscope::kafka
