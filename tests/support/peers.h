// SPDX-License-Identifier: MIT
#pragma once
// Independent clients for integration tests: kcat reads Kafka and redis-cli
// subscribes to Redis, so what our code wrote is checked by code that is not ours.

#include <QByteArray>
#include <QDeadlineTimer>
#include <QList>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

namespace dualscope::testing {

inline QString toolPath(const char *envName, const char *program)
{
    const QString fromEnv = qEnvironmentVariable(envName);
    return fromEnv.isEmpty() ? QStandardPaths::findExecutable(QLatin1String(program)) : fromEnv;
}

struct KafkaRecord
{
    qint32 partition = -1;
    qint64 offset = -1;
    QByteArray key;
    QByteArray value;
};

// Every record of the topic, read by kcat from the beginning to the end.
inline QList<KafkaRecord> kcatConsumeAll(const QByteArray &bootstrap, const QByteArray &topic,
                                         int timeoutMs = 60'000)
{
    QProcess kcat;
    kcat.start(toolPath("DUALSCOPE_KCAT", "kcat"),
               {QStringLiteral("-C"), QStringLiteral("-b"), QString::fromUtf8(bootstrap),
                QStringLiteral("-t"), QString::fromUtf8(topic), QStringLiteral("-o"),
                QStringLiteral("beginning"), QStringLiteral("-e"), QStringLiteral("-q"),
                QStringLiteral("-f"), QStringLiteral("%p\\t%o\\t%k\\t%s\\n")});
    if (!kcat.waitForFinished(timeoutMs) || kcat.exitCode() != 0) {
        qWarning() << "kcat failed:" << kcat.readAllStandardError();
        return {};
    }
    QList<KafkaRecord> records;
    const QList<QByteArray> lines = kcat.readAllStandardOutput().split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> fields = line.split('\t');
        if (fields.size() != 4)
            continue;
        records.append({fields[0].toInt(), fields[1].toLongLong(), fields[2], fields[3]});
    }
    return records;
}

struct RedisMessage
{
    QByteArray channel;
    QByteArray payload;
};

// Undoes redis-cli's --csv quoting (sdscatrepr: \" \\ \n \r \t \a \b \xHH).
inline QList<QByteArray> parseRedisCliCsv(const QByteArray &line)
{
    QList<QByteArray> fields;
    qsizetype i = 0;
    while (i < line.size()) {
        QByteArray field;
        if (line[i] == '"') {
            ++i;
            while (i < line.size() && line[i] != '"') {
                char c = line[i++];
                if (c == '\\' && i < line.size()) {
                    const char e = line[i++];
                    switch (e) {
                    case 'n':
                        c = '\n';
                        break;
                    case 'r':
                        c = '\r';
                        break;
                    case 't':
                        c = '\t';
                        break;
                    case 'a':
                        c = '\a';
                        break;
                    case 'b':
                        c = '\b';
                        break;
                    case 'x':
                        c = static_cast<char>(line.mid(i, 2).toInt(nullptr, 16));
                        i += 2;
                        break;
                    default:
                        c = e;
                    }
                }
                field.append(c);
            }
            ++i; // closing quote
        } else {
            while (i < line.size() && line[i] != ',')
                field.append(line[i++]);
        }
        fields.append(field);
        if (i < line.size() && line[i] == ',')
            ++i;
    }
    return fields;
}

// redis-cli PSUBSCRIBE in a child process; collects every message it prints.
class RedisCliSubscriber
{
public:
    bool start(quint16 port, const QByteArray &pattern, const QString &password = {})
    {
        QStringList args{QStringLiteral("-p"), QString::number(port), QStringLiteral("--csv")};
        if (!password.isEmpty())
            args << QStringLiteral("--no-auth-warning") << QStringLiteral("-a") << password;
        args << QStringLiteral("psubscribe") << QString::fromUtf8(pattern);
        m_process.start(toolPath("DUALSCOPE_REDIS_CLI", "redis-cli"), args);
        if (!m_process.waitForStarted(5000))
            return false;
        // Subscribed once the confirmation line is out.
        const QDeadlineTimer deadline(5000);
        while (!deadline.hasExpired()) {
            m_process.waitForReadyRead(100);
            m_buffer += m_process.readAllStandardOutput();
            if (m_buffer.contains("\"psubscribe\""))
                return true;
        }
        return false;
    }

    // Reads what arrived; waits until `count` messages are in or the time is up.
    QList<RedisMessage> messages(qsizetype count, int timeoutMs)
    {
        const QDeadlineTimer deadline(timeoutMs);
        do {
            m_process.waitForReadyRead(50);
            m_buffer += m_process.readAllStandardOutput();
            qsizetype newline;
            while ((newline = m_buffer.indexOf('\n')) >= 0) {
                const QList<QByteArray> fields = parseRedisCliCsv(m_buffer.left(newline));
                m_buffer.remove(0, newline + 1);
                if (fields.size() == 4 && fields[0] == "pmessage")
                    m_messages.append({fields[2], fields[3]});
            }
        } while (m_messages.size() < count && !deadline.hasExpired());
        return m_messages;
    }

    ~RedisCliSubscriber()
    {
        m_process.kill();
        m_process.waitForFinished(2000);
    }

private:
    QProcess m_process;
    QByteArray m_buffer;
    QList<RedisMessage> m_messages;
};

} // namespace dualscope::testing
