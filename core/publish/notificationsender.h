// SPDX-License-Identifier: MIT
#pragma once

#include "redis/redisconnection.h"

#include <QList>
#include <QObject>
#include <utility>

namespace dualscope::publish {

// What became of one pipeline of PUBLISH commands.
struct RedisBatchResult
{
    quint64 batchId = 0;
    int count = 0;
    // Redis was not connected: nothing was written, every notification is skipped.
    bool skipped = false;
    // Commands whose reply was an error, or that the connection lost before a
    // reply: (index in the batch, why). The others were answered.
    QList<std::pair<int, QString>> failures;
    // From the write of the pipeline to its last reply.
    qint64 latencyUs = 0;
};

// The Redis half of the publisher, on a thread of its own ("one worker thread per
// network client"): takes pipelines of PUBLISH commands encoded by the
// publisher, writes each in one go and answers with one RedisBatchResult per
// pipeline. Parsing replies never competes with producing to Kafka.
//
// Threading: moved to its own thread; start(), stop() and send() are invoked there
// (queued). Signals are emitted on that thread.
class NotificationSender final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NotificationSender)

public:
    explicit NotificationSender(const redis::RedisConnection::Options &options,
                                QObject *parent = nullptr);

    void start();
    void stop();
    void send(quint64 batchId, const QByteArray &commands, int count);

signals:
    void ready();
    void errorOccurred(const dualscope::redis::RedisError &error);
    void disconnected(const dualscope::redis::RedisError &cause);
    void batchDone(const dualscope::publish::RedisBatchResult &result);

private:
    redis::RedisConnection::Options m_options;
    redis::RedisConnection *m_connection = nullptr;
};

} // namespace dualscope::publish

Q_DECLARE_METATYPE(dualscope::publish::RedisBatchResult)
