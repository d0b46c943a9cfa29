// SPDX-License-Identifier: MIT
#include "redisserverprocess.h"

#include "sandboxlog.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace dualscope::sandbox {

namespace {

// A port taken between our probe and the child's bind is rare; a few retries make it moot.
constexpr int MaxPortAttempts = 5;
// redis-server exits within milliseconds on SIGTERM without persistence; 2 s is generous.
constexpr int StopTimeoutMs = 2000;
// Keep enough of the child's output to quote the reason of a failed start.
constexpr qsizetype OutputTailBytes = 4096;
// Between readiness probes; also how often we notice that the child died.
constexpr int ProbeIntervalMs = 20;

} // namespace

RedisServerProcess::RedisServerProcess(QObject *parent) : RedisServerProcess(Options(), parent) {}

RedisServerProcess::RedisServerProcess(const Options &options, QObject *parent)
    : QObject(parent), m_options(options)
{
}

RedisServerProcess::~RedisServerProcess()
{
    stop();
}

QString RedisServerProcess::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

bool RedisServerProcess::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QString RedisServerProcess::findExecutable(QString *error)
{
    const QString fromEnv = qEnvironmentVariable("DUALSCOPE_REDIS_SERVER");
    if (!fromEnv.isEmpty()) {
        const QFileInfo info(fromEnv);
        if (info.isFile() && info.isExecutable())
            return info.absoluteFilePath();
        if (error)
            *error = QStringLiteral("DUALSCOPE_REDIS_SERVER is set to \"%1\", which is not an "
                                    "executable file")
                         .arg(fromEnv);
        return {};
    }
    const QString found = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (found.isEmpty() && error)
        *error = QStringLiteral("redis-server is not installed (apt-get install redis-server)");
    return found;
}

quint16 RedisServerProcess::pickFreePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

bool RedisServerProcess::start(QString *error)
{
    if (isRunning())
        return true;
    m_executable = findExecutable(error);
    if (m_executable.isEmpty())
        return false;

    QString lastError;
    for (int attempt = 0; attempt < MaxPortAttempts; ++attempt) {
        const quint16 port = pickFreePort();
        if (port == 0) {
            lastError = QStringLiteral("cannot find a free port on 127.0.0.1 for redis-server");
            break;
        }
        switch (launch(port, &lastError)) {
        case LaunchResult::Ready:
            return true;
        case LaunchResult::AddressInUse:
            qCDebug(lcSandbox) << "port" << port << "was taken, trying another one";
            continue;
        case LaunchResult::Failed:
            attempt = MaxPortAttempts;
            break;
        }
    }
    if (error)
        *error = lastError;
    return false;
}

bool RedisServerProcess::restart(QString *error)
{
    stop();
    if (m_port == 0)
        return start(error);
    if (m_executable.isEmpty())
        m_executable = findExecutable(error);
    if (m_executable.isEmpty())
        return false;
    // Redis binds with SO_REUSEADDR, so connections in TIME_WAIT do not block the same port;
    // a retry covers someone else grabbing it while we were down.
    QString lastError;
    for (int attempt = 0; attempt < MaxPortAttempts; ++attempt) {
        const LaunchResult result = launch(m_port, &lastError);
        if (result == LaunchResult::Ready)
            return true;
        if (result == LaunchResult::Failed)
            break;
    }
    if (error)
        *error = lastError;
    return false;
}

RedisServerProcess::LaunchResult RedisServerProcess::launch(quint16 port, QString *error)
{
    delete m_process;
    m_process = new QProcess(this);
    m_outputTail.clear();
    m_partialLine.clear();

    QStringList args = {QStringLiteral("--port"),           QString::number(port),
                        QStringLiteral("--bind"),           QStringLiteral("127.0.0.1"),
                        QStringLiteral("--save"),           QString(),
                        QStringLiteral("--appendonly"),     QStringLiteral("no"),
                        QStringLiteral("--daemonize"),      QStringLiteral("no"),
                        QStringLiteral("--protected-mode"), QStringLiteral("no")};
    if (!m_options.password.isEmpty())
        args << QStringLiteral("--requirepass") << m_options.password;
    args << m_options.extraArgs;

    m_process->setProgram(m_executable);
    m_process->setArguments(args);
    // Our stdout carries machine-readable lines (the CLI); the child's chatter goes to the log.
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
    const pid_t parent = getpid();
    m_process->setChildProcessModifier([parent] {
        // Runs in the child between fork and exec: async-signal-safe calls only.
        // PR_SET_PDEATHSIG fires when the *thread* that forked dies, not the process: start
        // the child from a long-lived thread. The getppid() check closes the race where we
        // died before prctl().
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(1);
    });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &RedisServerProcess::readOutput);

    qCDebug(lcSandbox).noquote() << "starting" << m_executable << "on port" << port
                                 << (m_options.password.isEmpty() ? "" : "(with a password)");
    m_process->start();
    if (!m_process->waitForStarted(m_options.readyTimeoutMs)) {
        if (error)
            *error =
                QStringLiteral("cannot start %1: %2").arg(m_executable, m_process->errorString());
        return LaunchResult::Failed;
    }

    m_port = port;
    const QDeadlineTimer deadline(m_options.readyTimeoutMs);
    while (!deadline.hasExpired()) {
        if (answersPing(ProbeIntervalMs * 5))
            return LaunchResult::Ready;
        // Bounded wait that also reads the child's output and notices its exit.
        if (m_process->state() == QProcess::NotRunning ||
            m_process->waitForFinished(ProbeIntervalMs))
            break;
    }

    readOutput();
    const QString tail = QString::fromLocal8Bit(m_outputTail).trimmed();
    if (m_process->state() == QProcess::NotRunning) {
        if (m_outputTail.contains("Address already in use")) {
            if (error)
                *error = QStringLiteral("port %1 is already in use").arg(port);
            return LaunchResult::AddressInUse;
        }
        if (error)
            *error = QStringLiteral("redis-server exited at start (exit code %1): %2")
                         .arg(m_process->exitCode())
                         .arg(tail.right(400));
        return LaunchResult::Failed;
    }
    if (error)
        *error = QStringLiteral("redis-server on port %1 did not answer PING within %2 ms")
                     .arg(port)
                     .arg(m_options.readyTimeoutMs);
    stop();
    return LaunchResult::Failed;
}

bool RedisServerProcess::answersPing(int timeoutMs) const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    socket.write("PING\r\n");
    if (!socket.waitForBytesWritten(timeoutMs))
        return false;
    QByteArray answer;
    const QDeadlineTimer deadline(timeoutMs);
    while (!answer.contains('\n') && !deadline.hasExpired()) {
        if (!socket.waitForReadyRead(int(deadline.remainingTime())))
            break;
        answer += socket.readAll();
    }
    // A password-protected server answers NOAUTH: it is up, which is all we ask.
    return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH");
}

void RedisServerProcess::readOutput()
{
    if (!m_process)
        return;
    const QByteArray chunk = m_process->readAllStandardOutput();
    if (chunk.isEmpty())
        return;
    m_outputTail += chunk;
    if (m_outputTail.size() > OutputTailBytes)
        m_outputTail = m_outputTail.right(OutputTailBytes);
    m_partialLine += chunk;
    qsizetype eol;
    while ((eol = m_partialLine.indexOf('\n')) >= 0) {
        const QByteArray line = m_partialLine.left(eol).trimmed();
        m_partialLine.remove(0, eol + 1);
        if (!line.isEmpty())
            qCDebug(lcSandbox).noquote() << "redis-server:" << QString::fromLocal8Bit(line);
    }
}

void RedisServerProcess::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(StopTimeoutMs)) {
            qCWarning(lcSandbox) << "redis-server did not stop on SIGTERM; killing it";
            m_process->kill();
            m_process->waitForFinished(StopTimeoutMs);
        }
    }
    readOutput();
    qCDebug(lcSandbox) << "redis-server on port" << m_port << "stopped";
}

} // namespace dualscope::sandbox
