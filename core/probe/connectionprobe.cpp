// SPDX-License-Identifier: MIT
#include "probe/connectionprobe.h"

#include "kafka/kafkabrowser.h"
#include "redis/redisconnection.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <memory>

namespace dualscope::probe {

namespace {

QString plural(qsizetype count, const char *one, const char *many)
{
    return QString::number(count) + QLatin1Char(' ') + QLatin1String(count == 1 ? one : many);
}

} // namespace

QString askKafka(const QByteArray &bootstrap, const kafka::Properties &properties,
                 const QByteArray &topic, int timeoutMs)
{
    if (bootstrap.trimmed().isEmpty())
        return QStringLiteral("Kafka: no bootstrap servers given.");
    kafka::KafkaBrowser browser(bootstrap, properties);
    QString error;
    if (!browser.open(&error))
        return QStringLiteral("Kafka: ") + error;
    const QDeadlineTimer deadline(timeoutMs);
    const auto brokers = browser.brokers(timeoutMs, &error);
    if (!brokers)
        return QStringLiteral("Kafka: ") + error;
    const int left = std::max(1, int(deadline.remainingTime()));
    const auto topics = browser.topics(left, &error);
    if (!topics)
        return QStringLiteral("Kafka: ") + error;
    QString text = QStringLiteral("Kafka: ") + plural(brokers->size(), "broker", "brokers") +
                   QStringLiteral(", ") + plural(topics->size(), "topic", "topics");
    const bool found = std::any_of(topics->cbegin(), topics->cend(),
                                   [&topic](const kafka::TopicInfo &t) { return t.name == topic; });
    if (!topic.isEmpty() && !found)
        text += QStringLiteral(" (topic \"%1\" not found)").arg(QString::fromUtf8(topic));
    return text;
}

QString askRedis(const std::optional<redis::RedisUrl> &url, const QString &urlError, int timeoutMs)
{
    QString error = urlError;
    if (!url || !redis::checkTlsFiles(*url, &error))
        return QStringLiteral("Redis: ") + error;
    redis::RedisConnection::Options options;
    options.url = *url;
    options.connectTimeoutMs = timeoutMs;
    options.reconnect = false;
    // The connection is asynchronous: a local event loop on this (probe) thread
    // waits for its first answer, bounded by the same timeout plus a margin for
    // the TLS handshake and AUTH.
    redis::RedisConnection connection(options);
    QEventLoop loop;
    QString answer = QStringLiteral("Redis: no answer within %1 ms.").arg(timeoutMs);
    QObject::connect(&connection, &redis::RedisConnection::ready, &loop, [&] {
        answer = QStringLiteral("Redis: connected to %1, database %2.")
                     .arg(url->endpoint())
                     .arg(url->db);
        loop.quit();
    });
    QObject::connect(&connection, &redis::RedisConnection::errorOccurred, &loop,
                     [&](const redis::RedisError &redisError) {
                         answer = QStringLiteral("Redis: ") + redisError.message;
                         loop.quit();
                     });
    QTimer::singleShot(timeoutMs + 1000, &loop, &QEventLoop::quit);
    connection.start();
    loop.exec();
    // Outside the signal, as the connection asks.
    connection.stop();
    return answer;
}

ConnectionProbe::ConnectionProbe(QObject *parent) : QObject(parent) {}

void ConnectionProbe::probe(const ProbeTarget &target)
{
    ++m_generation;
    m_running = 2;
    runOnThread(
        "dualscope-test-kafka",
        [target] {
            return askKafka(target.kafkaBootstrap, target.kafkaProperties, target.topic,
                            kTimeoutMs);
        },
        &ConnectionProbe::kafkaAnswered);
    runOnThread(
        "dualscope-test-redis",
        [target] { return askRedis(target.redisUrl, target.redisUrlError, kTimeoutMs); },
        &ConnectionProbe::redisAnswered);
}

void ConnectionProbe::runOnThread(const char *name, std::function<QString()> ask,
                                  void (ConnectionProbe::*answered)(const QString &))
{
    // Everything the thread touches is its own copy; the answer comes back through
    // `result` once the thread has finished.
    auto result = std::make_shared<QString>();
    QThread *thread = QThread::create([result, ask = std::move(ask)] { *result = ask(); });
    thread->setObjectName(QLatin1String(name));
    const quint64 generation = m_generation;
    connect(thread, &QThread::finished, this, [this, result, generation, answered] {
        if (generation != m_generation)
            return;
        Q_EMIT(this->*answered)(*result);
        if (--m_running == 0)
            Q_EMIT finished();
    });
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start();
}

} // namespace dualscope::probe
