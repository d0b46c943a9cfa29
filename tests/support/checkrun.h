// SPDX-License-Identifier: MIT
#pragma once
// `dualscope-cli check` as a child process against the sandbox, and the traffic a
// test writes itself: raw PUBLISH commands and contract-shaped JSON.

#include "clirun.h"
#include "redis/redisconnection.h"
#include "redis/redisurl.h"
#include "sandbox/sandbox.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

namespace dualscope::testing {

// PUBLISH through our transport, waiting for each reply.
class RawPublisher
{
public:
    explicit RawPublisher(const QString &url)
    {
        redis::RedisConnection::Options options;
        options.url = *redis::RedisUrl::parse(url);
        m_connection = std::make_unique<redis::RedisConnection>(options);
        QSignalSpy ready(m_connection.get(), &redis::RedisConnection::ready);
        m_connection->start();
        if (!ready.wait(5000))
            qWarning("the test's Redis client did not connect");
    }
    void publish(const QByteArray &channel, const QByteArray &message)
    {
        m_commands.append({"PUBLISH", channel, message});
    }
    bool flush()
    {
        int replies = 0;
        const int expected = int(m_commands.size());
        m_connection->sendPipeline(std::exchange(m_commands, {}),
                                   [&](const redis::RespReply &) { ++replies; });
        return QTest::qWaitFor([&] { return replies == expected; }, 10'000);
    }
    // One command, its reply (CONFIG SET, CLIENT LIST, ...).
    redis::RespReply command(const QList<QByteArray> &argv)
    {
        redis::RespReply result;
        bool done = false;
        m_connection->send(argv, [&](const redis::RespReply &reply) {
            result = reply;
            done = true;
        });
        if (!QTest::qWaitFor([&] { return done; }, 10'000))
            qWarning("no reply within 10 s");
        return result;
    }

private:
    std::unique_ptr<redis::RedisConnection> m_connection;
    QList<QList<QByteArray>> m_commands;
};

inline QByteArray eventJson(const QByteArray &id, const QByteArray &sourceId)
{
    return R"({"id":")" + id + R"(","type":"order.created","source_type":"user","source_id":")" +
           sourceId + R"(","timestamp":"2026-11-27T15:04:05.123Z","payload":{"amount":3}})";
}

inline QByteArray notificationJson(const QByteArray &id, const QByteArray &sourceId)
{
    return R"({"id":")" + id + R"(","type":"order.created","source_id":")" + sourceId + R"("})";
}

// A `check` child: waits for READY, then for its exit; reads its reports.
class CheckRun
{
public:
    bool start(const sandbox::Sandbox &box, const QStringList &extra)
    {
        launch(box, extra);
        return waitForOutput("READY\n", 20'000);
    }
    // Starts the child without waiting for READY.
    void launch(const sandbox::Sandbox &box, const QStringList &extra)
    {
        m_reportPath = m_dir.filePath(QStringLiteral("report.json"));
        m_junitPath = m_dir.filePath(QStringLiteral("report.xml"));
        QStringList args{QStringLiteral("check"),
                         QStringLiteral("--kafka"),
                         QString::fromUtf8(box.kafkaBootstrap()),
                         QStringLiteral("--redis"),
                         box.redisUrl(),
                         QStringLiteral("--report"),
                         m_reportPath,
                         QStringLiteral("--junit"),
                         m_junitPath};
        m_process.start(cliPath(), args + extra);
    }
    // Waits until stdout or stderr holds `text`, or the child ends.
    bool waitForOutput(const QByteArray &text, int timeoutMs)
    {
        const QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired() && !m_out.contains(text) && !m_err.contains(text)) {
            m_process.waitForReadyRead(100);
            m_out += m_process.readAllStandardOutput();
            m_err += m_process.readAllStandardError();
            if (m_process.state() == QProcess::NotRunning)
                break;
        }
        return m_out.contains(text) || m_err.contains(text);
    }
    bool sawOutput(const QByteArray &text)
    {
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
        return m_out.contains(text) || m_err.contains(text);
    }
    int finish(int timeoutMs = 60'000)
    {
        if (!ended(m_process, timeoutMs))
            return -1;
        m_out += m_process.readAllStandardOutput();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    // SIGTERM, as an operator ends a long watch; then its exit code.
    int stop(int timeoutMs = 30'000)
    {
        m_process.terminate();
        return finish(timeoutMs);
    }
    QString reportPath() const { return m_reportPath; }
    QJsonObject report() const
    {
        QFile file(m_reportPath);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return QJsonDocument::fromJson(file.readAll()).object();
    }
    QByteArray junit() const
    {
        QFile file(m_junitPath);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }
    QByteArray output()
    {
        sawOutput({});
        return m_out + m_err;
    }
    QProcess &process() { return m_process; }

private:
    QTemporaryDir m_dir;
    QString m_reportPath;
    QString m_junitPath;
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

inline qint64 count(const QJsonObject &report, const char *kind)
{
    return report.value(QLatin1String("counts"))
        .toObject()
        .value(QLatin1String(kind))
        .toInteger(-1);
}

} // namespace dualscope::testing
