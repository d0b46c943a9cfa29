// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkaconfig.h"
#include "redis/redisurl.h"

#include <QObject>
#include <QString>
#include <optional>

namespace dualscope::probe {

// What "Test connection" asks about: one Kafka cluster (and whether it has the
// topic) and one Redis server.
struct ProbeTarget
{
    QByteArray kafkaBootstrap;
    kafka::Properties kafkaProperties;
    QByteArray topic;
    // Empty when the URL did not parse; redisUrlError then says why.
    std::optional<redis::RedisUrl> redisUrl;
    QString redisUrlError;
};

// One line per stream, for the user: "Kafka: 3 brokers, 12 topics" or why not.
// Each blocks the calling thread for at most timeoutMs (plus a connect), so run
// them off the GUI thread; ConnectionProbe does.
QString askKafka(const QByteArray &bootstrap, const kafka::Properties &properties,
                 const QByteArray &topic, int timeoutMs);
QString askRedis(const std::optional<redis::RedisUrl> &url, const QString &urlError, int timeoutMs);

// Tests a connection profile without blocking its thread: each stream is asked on
// a short-lived thread of its own, and its answer comes back as a signal on the
// probe's thread. A new probe() supersedes the one before: an older answer that
// arrives late is dropped, so it never overwrites a newer one.
class ConnectionProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionProbe)

public:
    // What the user waits for at most per stream: long enough for a remote
    // cluster, short enough that a dead address is reported while they still look.
    static constexpr int kTimeoutMs = 5000;

    explicit ConnectionProbe(QObject *parent = nullptr);

    void probe(const ProbeTarget &target);
    bool isRunning() const { return m_running > 0; }

signals:
    void kafkaAnswered(const QString &text);
    void redisAnswered(const QString &text);
    // Both streams answered for the latest probe().
    void finished();

private:
    void runOnThread(const char *name, std::function<QString()> ask,
                     void (ConnectionProbe::*answered)(const QString &));

    quint64 m_generation = 0;
    int m_running = 0;
};

} // namespace dualscope::probe
