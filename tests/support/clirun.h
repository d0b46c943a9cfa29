// SPDX-License-Identifier: MIT
#pragma once
// Running dualscope-cli as scripts do: a command to its exit, and a sandbox in the
// background with the addresses it printed.

#include <QDeadlineTimer>
#include <QProcess>
#include <QTcpSocket>

namespace dualscope::testing {

inline QString cliPath()
{
    return qEnvironmentVariable("DUALSCOPE_CLI");
}

struct CliResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// True once the process has ended. QProcess::waitForFinished() alone answers false
// for a process that already ended while a QTRY loop ran the event loop, so a
// fast child would fail a test only because it was fast.
inline bool ended(QProcess &process, int timeoutMs)
{
    return process.state() == QProcess::NotRunning || process.waitForFinished(timeoutMs);
}

inline CliResult runCli(const QStringList &arguments, int timeoutMs = 60'000,
                        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(cliPath(), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

inline bool portAnswers(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    return socket.waitForConnected(500);
}

// `dualscope-cli sandbox` in the background; its printed addresses.
class CliSandbox
{
public:
    bool start()
    {
        m_process.start(cliPath(), {QStringLiteral("sandbox")});
        const QDeadlineTimer deadline(20'000);
        while (!deadline.hasExpired() && !m_out.contains("READY\n")) {
            m_process.waitForReadyRead(100);
            m_out += m_process.readAllStandardOutput();
        }
        for (const QByteArray &line : m_out.split('\n')) {
            if (line.startsWith("KAFKA_BOOTSTRAP="))
                kafka = line.mid(16);
            else if (line.startsWith("REDIS_URL="))
                redis = line.mid(10);
        }
        return m_out.contains("READY\n") && !kafka.isEmpty() && !redis.isEmpty();
    }
    quint16 redisPort() const { return redis.mid(redis.lastIndexOf(':') + 1).toUShort(); }
    QProcess &process() { return m_process; }
    ~CliSandbox()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000))
            m_process.kill();
        m_process.waitForFinished();
    }

    QByteArray kafka;
    QByteArray redis;

private:
    QProcess m_process;
    QByteArray m_out;
};

} // namespace dualscope::testing
