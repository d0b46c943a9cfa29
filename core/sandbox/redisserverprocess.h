// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

class QProcess;

namespace dualscope::sandbox {

// A redis-server child process on a free loopback port, without persistence: the Redis half
// of the sandbox, and the peer for integration tests (kill and restart it to inject faults).
//
// Threads: create it, and call start()/restart(), from a long-lived thread (the GUI/main
// thread or a worker that lives as long as the sandbox): the child is bound to that thread
// by PR_SET_PDEATHSIG. Every method must be called from that thread. start(), stop() and
// restart() block, each within a bounded time (a few seconds).
class RedisServerProcess final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisServerProcess)

public:
    struct Options
    {
        QString password;      // --requirepass when not empty
        QStringList extraArgs; // appended verbatim, e.g. {"--maxclients", "10"}
        int readyTimeoutMs = 5000;
    };

    explicit RedisServerProcess(QObject *parent = nullptr);
    explicit RedisServerProcess(const Options &options, QObject *parent = nullptr);
    ~RedisServerProcess() override; // stops the child

    // Picks a free port, starts the child and waits until it answers PING. On failure
    // returns false with a sentence for the user in *error.
    bool start(QString *error = nullptr);
    // SIGTERM, up to 2 s, then SIGKILL. Safe to call when not running.
    void stop();
    // stop() then start on the same port (Redis down, Redis up).
    bool restart(QString *error = nullptr);

    quint16 port() const { return m_port; }
    bool isRunning() const;
    QString url() const; // "redis://127.0.0.1:PORT", without the password
    const Options &options() const { return m_options; }

private:
    enum class LaunchResult { Ready, AddressInUse, Failed };
    LaunchResult launch(quint16 port, QString *error);
    void readOutput();
    static QString findExecutable(QString *error);
    static quint16 pickFreePort();
    bool answersPing(int timeoutMs) const;

    Options m_options;
    QString m_executable;
    QProcess *m_process = nullptr;
    quint16 m_port = 0;
    // The last lines of the child's output, to explain a failed start.
    QByteArray m_outputTail;
    QByteArray m_partialLine;
};

} // namespace dualscope::sandbox
