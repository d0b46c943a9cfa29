// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace dualscope::sandbox {

// An in-process Kafka cluster from librdkafka's mock API: real brokers on
// loopback ports that any Kafka client (kcat, kafka-python) can talk to, data in
// memory. librdkafka 2.0.2's mock keeps only about the last 5 MB of a
// partition, has no CreateTopics and no DescribeConfigs, and does not answer
// offsets-for-times.
//
// Threading: the mock brokers run on librdkafka's own threads; the methods here
// may be called from any one thread at a time.
class KafkaMockCluster final
{
public:
    KafkaMockCluster() = default;
    ~KafkaMockCluster();
    KafkaMockCluster(const KafkaMockCluster &) = delete;
    KafkaMockCluster &operator=(const KafkaMockCluster &) = delete;

    bool start(int brokerCount, QString *error);
    void stop();
    bool isRunning() const { return m_cluster != nullptr; }

    // "127.0.0.1:port,..." — the mock listens on loopback only.
    QByteArray bootstrap() const;
    int brokerCount() const { return m_brokerCount; }

    bool createTopic(const QByteArray &topic, int partitions, int replicationFactor,
                     QString *error);

    // Fault injection. Broker ids are 1..brokerCount. A broker taken down goes as in
    // a controlled shutdown: the partitions it led move to the brokers still up, as
    // a replicated cluster would elect new leaders, then (after 200 ms, blocking)
    // it stops accepting connections.
    bool setBrokerDown(int brokerId, bool down, QString *error);
    bool isBrokerDown(int brokerId) const;
    // Added round-trip time for every request a broker answers; -1 = all brokers.
    bool setBrokerRtt(int brokerId, int rttMs, QString *error);
    // The next `errors.size()` requests of `apiKey` fail with these errors in turn.
    bool pushRequestErrors(qint16 apiKey, const QList<int> &errors, QString *error);

    // "Produce" -> 0, "Fetch" -> 1, ... for the fault menu and the CLI.
    static std::optional<qint16> apiKeyByName(const QString &name);
    static std::optional<int> errorCodeByName(const QString &name);

private:
    struct TopicLayout
    {
        QByteArray name;
        int partitions;
    };
    void reassignLeaders();

    rd_kafka_s *m_handle = nullptr;
    rd_kafka_mock_cluster_s *m_cluster = nullptr;
    int m_brokerCount = 0;
    QList<int> m_downBrokers;
    QList<TopicLayout> m_topics;
};

} // namespace dualscope::sandbox
