// SPDX-License-Identifier: MIT
#include "publish/notificationsender.h"

#include <QElapsedTimer>
#include <memory>

namespace dualscope::publish {

NotificationSender::NotificationSender(const redis::RedisConnection::Options &options,
                                       QObject *parent)
    : QObject(parent), m_options(options)
{
}

void NotificationSender::start()
{
    if (m_connection)
        return;
    m_connection = new redis::RedisConnection(m_options, this);
    connect(m_connection, &redis::RedisConnection::ready, this, &NotificationSender::ready);
    connect(m_connection, &redis::RedisConnection::errorOccurred, this,
            &NotificationSender::errorOccurred);
    connect(m_connection, &redis::RedisConnection::disconnected, this,
            &NotificationSender::disconnected);
    m_connection->start();
}

void NotificationSender::stop()
{
    if (m_connection)
        m_connection->stop(); // fails what is pending: every batch still gets its result
}

void NotificationSender::send(quint64 batchId, const QByteArray &commands, int count)
{
    // The replies of one pipeline, gathered until the last one is in.
    struct Gathering
    {
        RedisBatchResult result;
        int answered = 0;
        QElapsedTimer clock;
    };
    auto gathering = std::make_shared<Gathering>();
    gathering->result.batchId = batchId;
    gathering->result.count = count;
    gathering->clock.start();
    auto onReply = [this, gathering](const redis::RespReply &reply) {
        if (reply.isError())
            gathering->result.failures.append({gathering->answered, QString::fromUtf8(reply.text)});
        if (++gathering->answered == gathering->result.count) {
            gathering->result.latencyUs = gathering->clock.nsecsElapsed() / 1000;
            emit batchDone(gathering->result);
        }
    };
    if (!m_connection || !m_connection->sendRaw(commands, count, onReply)) {
        gathering->result.skipped = true;
        emit batchDone(gathering->result);
    }
}

} // namespace dualscope::publish
