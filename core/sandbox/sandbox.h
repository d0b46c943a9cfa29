// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/kafkamockcluster.h"
#include "sandbox/sandboxlog.h"

#include <QObject>

namespace dualscope::sandbox {

class RedisServerProcess;

struct SandboxOptions
{
    int brokers = 3;
    int partitions = 6;
    int replicationFactor = 3;
    QByteArray topic = "events";
    // Optional: start redis-server with requirepass (tests of AUTH).
    QString redisPassword;
};

// Everything a user or a test needs to try the dual-stream pattern in one
// object: the librdkafka mock cluster with the topic created, and a
// redis-server child on a free loopback port without persistence. Plus the
// faults the test harness injects.
//
// Threading: create, start and stop on a thread that lives as long as the
// sandbox (the main thread): the redis-server child is tied to that thread by
// PR_SET_PDEATHSIG.
class Sandbox final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Sandbox)

public:
    explicit Sandbox(SandboxOptions options = {}, QObject *parent = nullptr);
    ~Sandbox() override;

    // Blocking and bounded (a few seconds at most). The error says what failed,
    // e.g. that redis-server is not installed.
    bool start(QString *error);
    void stop();

    QByteArray kafkaBootstrap() const;
    QString redisUrl() const;
    const SandboxOptions &options() const { return m_options; }
    // One paragraph for banners and logs: what runs where and what it keeps.
    QString description() const;

    // Faults.
    bool setRedisDown(bool down, QString *error);
    bool isRedisDown() const;
    KafkaMockCluster &kafka() { return m_kafka; }
    RedisServerProcess &redis() { return *m_redis; }

private:
    SandboxOptions m_options;
    KafkaMockCluster m_kafka;
    // A child, so that it moves to the sandbox's thread with it (its QProcess is
    // created there, at start()).
    RedisServerProcess *m_redis = nullptr;
};

} // namespace dualscope::sandbox
