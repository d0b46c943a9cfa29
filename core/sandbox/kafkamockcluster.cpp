// SPDX-License-Identifier: MIT
#include "sandbox/kafkamockcluster.h"

#include "kafka/kafkaconfig.h"

#include <chrono>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <thread>

namespace dualscope::sandbox {

namespace {

struct ApiName
{
    const char *name;
    qint16 key;
};

// The Kafka protocol's ApiKeys that matter for fault injection.
constexpr ApiName kApiNames[] = {
    {"Produce", 0},         {"Fetch", 1},       {"ListOffsets", 2},      {"Metadata", 3},
    {"OffsetCommit", 8},    {"OffsetFetch", 9}, {"FindCoordinator", 10}, {"JoinGroup", 11},
    {"Heartbeat", 12},      {"LeaveGroup", 13}, {"SyncGroup", 14},       {"ApiVersions", 18},
    {"InitProducerId", 22},
};

// Time for produce requests already sent to a broker losing its leadership to be
// answered before its connections are cut (loopback round trips are sub-millisecond;
// this leaves room for a loaded machine).
constexpr int kLeaderMoveSettleMs = 200;

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

KafkaMockCluster::~KafkaMockCluster()
{
    stop();
}

bool KafkaMockCluster::start(int brokerCount, QString *error)
{
    if (brokerCount < 1 || brokerCount > 32)
        return fail(error, QStringLiteral("broker count must be 1..32, got %1").arg(brokerCount));
    QString confError;
    // The handle only hosts the mock cluster; it never connects anywhere.
    kafka::ConfPtr conf =
        kafka::makeConf({}, {{"client.id", "dualscope-sandbox"}, {"log_level", "4"}}, &confError);
    if (!conf)
        return fail(error, confError);
    char reason[512];
    m_handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason);
    if (!m_handle)
        return fail(error, QStringLiteral("cannot create the mock cluster's handle: %1")
                               .arg(QString::fromUtf8(reason)));
    conf.release();
    m_cluster = rd_kafka_mock_cluster_new(m_handle, brokerCount);
    if (!m_cluster) {
        rd_kafka_destroy(m_handle);
        m_handle = nullptr;
        return fail(error, QStringLiteral("librdkafka could not start its mock cluster"));
    }
    m_brokerCount = brokerCount;
    return true;
}

void KafkaMockCluster::stop()
{
    if (m_cluster)
        rd_kafka_mock_cluster_destroy(m_cluster);
    m_cluster = nullptr;
    if (m_handle)
        rd_kafka_destroy(m_handle);
    m_handle = nullptr;
    m_downBrokers.clear();
    m_topics.clear();
}

QByteArray KafkaMockCluster::bootstrap() const
{
    return m_cluster ? QByteArray(rd_kafka_mock_cluster_bootstraps(m_cluster)) : QByteArray();
}

bool KafkaMockCluster::createTopic(const QByteArray &topic, int partitions, int replicationFactor,
                                   QString *error)
{
    if (!m_cluster)
        return fail(error, QStringLiteral("the mock cluster is not running"));
    if (partitions < 1 || replicationFactor < 1 || replicationFactor > m_brokerCount)
        return fail(error, QStringLiteral("topic '%1': %2 partitions with replication %3 does "
                                          "not fit a cluster of %4 brokers")
                               .arg(QString::fromUtf8(topic))
                               .arg(partitions)
                               .arg(replicationFactor)
                               .arg(m_brokerCount));
    const rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(m_cluster, topic.constData(), partitions, replicationFactor);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        return fail(error,
                    QStringLiteral("cannot create topic '%1': %2")
                        .arg(QString::fromUtf8(topic), QString::fromUtf8(rd_kafka_err2str(err))));
    m_topics.append({topic, partitions});
    return true;
}

bool KafkaMockCluster::setBrokerDown(int brokerId, bool down, QString *error)
{
    if (!m_cluster)
        return fail(error, QStringLiteral("the mock cluster is not running"));
    if (brokerId < 1 || brokerId > m_brokerCount)
        return fail(
            error,
            QStringLiteral("no broker %1: the brokers are 1..%2").arg(brokerId).arg(m_brokerCount));
    if (down && !m_downBrokers.contains(brokerId)) {
        // A controlled shutdown, as a real broker does it: leadership moves first
        // (the mock does not elect leaders by itself, so we do what the controller
        // would), requests in flight are answered, then the broker goes. Cutting
        // connections with produce requests in flight would make the producer retry
        // them, and librdkafka 2.0.2's mock does not check idempotent sequence
        // numbers, so it would store those batches twice where a real cluster would not.
        m_downBrokers.append(brokerId);
        reassignLeaders();
        std::this_thread::sleep_for(std::chrono::milliseconds(kLeaderMoveSettleMs));
    }
    const rd_kafka_resp_err_t err = down ? rd_kafka_mock_broker_set_down(m_cluster, brokerId)
                                         : rd_kafka_mock_broker_set_up(m_cluster, brokerId);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        return fail(error, QString::fromUtf8(rd_kafka_err2str(err)));
    if (!down)
        m_downBrokers.removeAll(brokerId);
    return true;
}

bool KafkaMockCluster::isBrokerDown(int brokerId) const
{
    return m_downBrokers.contains(brokerId);
}

void KafkaMockCluster::reassignLeaders()
{
    QList<int> live;
    for (int id = 1; id <= m_brokerCount; ++id) {
        if (!m_downBrokers.contains(id))
            live.append(id);
    }
    if (live.isEmpty())
        return; // every broker down: partitions stay leader-less as on a real cluster
    for (const TopicLayout &topic : m_topics) {
        for (int p = 0; p < topic.partitions; ++p)
            rd_kafka_mock_partition_set_leader(m_cluster, topic.name.constData(), p,
                                               live[p % live.size()]);
    }
}

bool KafkaMockCluster::setBrokerRtt(int brokerId, int rttMs, QString *error)
{
    if (!m_cluster)
        return fail(error, QStringLiteral("the mock cluster is not running"));
    if (rttMs < 0)
        return fail(error, QStringLiteral("round-trip time must not be negative"));
    const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(m_cluster, brokerId, rttMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        return fail(error, QString::fromUtf8(rd_kafka_err2str(err)));
    return true;
}

bool KafkaMockCluster::pushRequestErrors(qint16 apiKey, const QList<int> &errors, QString *error)
{
    if (!m_cluster)
        return fail(error, QStringLiteral("the mock cluster is not running"));
    std::vector<rd_kafka_resp_err_t> codes;
    for (int code : errors)
        codes.push_back(static_cast<rd_kafka_resp_err_t>(code));
    rd_kafka_mock_push_request_errors_array(m_cluster, apiKey, codes.size(), codes.data());
    return true;
}

std::optional<qint16> KafkaMockCluster::apiKeyByName(const QString &name)
{
    for (const ApiName &api : kApiNames) {
        if (name.compare(QLatin1String(api.name), Qt::CaseInsensitive) == 0)
            return api.key;
    }
    bool ok = false;
    const int number = name.toInt(&ok);
    if (ok && number >= 0 && number < 100)
        return static_cast<qint16>(number);
    return std::nullopt;
}

std::optional<int> KafkaMockCluster::errorCodeByName(const QString &name)
{
    const struct rd_kafka_err_desc *descs = nullptr;
    size_t count = 0;
    rd_kafka_get_err_descs(&descs, &count);
    QString wanted = name.toUpper();
    if (wanted.startsWith(QLatin1String("RD_KAFKA_RESP_ERR_")))
        wanted = wanted.mid(18);
    for (size_t i = 0; i < count; ++i) {
        if (descs[i].name && wanted == QLatin1String(descs[i].name))
            return descs[i].code;
    }
    bool ok = false;
    const int number = name.toInt(&ok);
    if (ok)
        return number;
    return std::nullopt;
}

} // namespace dualscope::sandbox
