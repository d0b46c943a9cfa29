// SPDX-License-Identifier: MIT
#include "sandbox/sandbox.h"

#include "sandbox/redisserverprocess.h"

namespace dualscope::sandbox {

Q_LOGGING_CATEGORY(lcSandbox, "dualscope.sandbox", QtInfoMsg)

Sandbox::Sandbox(SandboxOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    RedisServerProcess::Options redisOptions;
    redisOptions.password = m_options.redisPassword;
    m_redis = new RedisServerProcess(redisOptions, this);
}

Sandbox::~Sandbox()
{
    stop();
}

bool Sandbox::start(QString *error)
{
    if (!m_kafka.start(m_options.brokers, error))
        return false;
    if (!m_kafka.createTopic(m_options.topic, m_options.partitions, m_options.replicationFactor,
                             error)) {
        m_kafka.stop();
        return false;
    }
    if (!m_redis->start(error)) {
        m_kafka.stop();
        return false;
    }
    qCInfo(lcSandbox).noquote() << description();
    return true;
}

void Sandbox::stop()
{
    m_redis->stop();
    m_kafka.stop();
}

QByteArray Sandbox::kafkaBootstrap() const
{
    return m_kafka.bootstrap();
}

QString Sandbox::redisUrl() const
{
    return m_redis->url();
}

QString Sandbox::description() const
{
    return QStringLiteral("Sandbox: Kafka mock cluster of %1 brokers at %2, topic '%3' with %4 "
                          "partitions (replication %5), in memory, keeping about the last 5 MB "
                          "of each partition; redis-server on %6 without persistence.")
        .arg(m_options.brokers)
        .arg(QString::fromUtf8(kafkaBootstrap()), QString::fromUtf8(m_options.topic))
        .arg(m_options.partitions)
        .arg(m_options.replicationFactor)
        .arg(redisUrl());
}

bool Sandbox::setRedisDown(bool down, QString *error)
{
    if (down) {
        m_redis->stop();
        return true;
    }
    return m_redis->isRunning() || m_redis->restart(error);
}

bool Sandbox::isRedisDown() const
{
    return !m_redis->isRunning();
}

} // namespace dualscope::sandbox
