// SPDX-License-Identifier: MIT
#include "cliconnection.h"

#include <QTextStream>
#include <cstdio>

namespace dualscope::cli {

void printError(const QString &message)
{
    QTextStream(stderr) << "dualscope-cli: " << message << Qt::endl;
}

void addConnectionOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("kafka"),
                      QStringLiteral("Kafka bootstrap servers (default: $DUALSCOPE_KAFKA)."),
                      QStringLiteral("BOOTSTRAP")});
    parser.addOption({QStringLiteral("redis"),
                      QStringLiteral("Redis URL redis://[user:pass@]host:port[/db] (default: "
                                     "$DUALSCOPE_REDIS)."),
                      QStringLiteral("URL")});
    parser.addOption({QStringLiteral("topic"), QStringLiteral("Kafka topic (default: events)."),
                      QStringLiteral("TOPIC"), QStringLiteral("events")});
    parser.addOption({QStringLiteral("X"),
                      QStringLiteral("librdkafka property key=value (repeatable)."),
                      QStringLiteral("key=value")});
}

void addPatternOption(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("pattern"),
                      QStringLiteral("Redis pattern to subscribe to (repeatable; default "
                                     "events:*)."),
                      QStringLiteral("PATTERN")});
}

QList<QByteArray> patternsFrom(const QCommandLineParser &parser)
{
    QList<QByteArray> patterns;
    for (const QString &pattern : parser.values(QStringLiteral("pattern")))
        patterns.append(pattern.toUtf8());
    if (patterns.isEmpty())
        patterns.append(QByteArrayLiteral("events:*"));
    return patterns;
}

bool resolveConnection(const QCommandLineParser &parser, Connection *connection, QString *error,
                       int need)
{
    const QString sandboxHint = QStringLiteral(
        " For a sandbox, run `dualscope-cli sandbox` in another terminal and pass the "
        "KAFKA_BOOTSTRAP and REDIS_URL it prints as --kafka and --redis (or export them as "
        "DUALSCOPE_KAFKA and DUALSCOPE_REDIS).");
    QString kafka = parser.value(QStringLiteral("kafka"));
    if (kafka.isEmpty())
        kafka = qEnvironmentVariable("DUALSCOPE_KAFKA");
    if (kafka.isEmpty() && (need & NeedKafka)) {
        *error =
            QStringLiteral("no Kafka given: pass --kafka or set DUALSCOPE_KAFKA.") + sandboxHint;
        return false;
    }
    QString redisText = parser.value(QStringLiteral("redis"));
    if (redisText.isEmpty())
        redisText = qEnvironmentVariable("DUALSCOPE_REDIS");
    if (redisText.isEmpty() && (need & NeedRedis)) {
        *error =
            QStringLiteral("no Redis given: pass --redis or set DUALSCOPE_REDIS.") + sandboxHint;
        return false;
    }
    if (!redisText.isEmpty()) {
        QString urlError;
        const std::optional<redis::RedisUrl> url = redis::RedisUrl::parse(redisText, &urlError);
        if (!url) {
            *error = urlError;
            return false;
        }
        connection->redisUrl = *url;
        connection->redisUrlText = redisText;
    }
    connection->kafkaBootstrap = kafka.toUtf8();
    connection->topic = parser.value(QStringLiteral("topic")).toUtf8();
    if (connection->topic.isEmpty()) {
        *error = QStringLiteral("--topic must not be empty");
        return false;
    }
    for (const QString &text : parser.values(QStringLiteral("X"))) {
        std::pair<QByteArray, QByteArray> property;
        if (!kafka::parseProperty(text, &property, error))
            return false;
        connection->kafkaProperties.append(property);
    }
    return true;
}

bool parseOrExit(QCommandLineParser &parser, const QStringList &arguments, int *exitCode)
{
    const QCommandLineOption help = parser.addHelpOption();
    if (!parser.parse(arguments)) {
        printError(parser.errorText() + QStringLiteral(" (see --help)"));
        *exitCode = ExitError;
        return false;
    }
    if (parser.isSet(help)) {
        QTextStream(stdout) << parser.helpText();
        *exitCode = ExitOk;
        return false;
    }
    return true;
}

bool readCount(const QCommandLineParser &parser, const QString &name, qint64 minimum, qint64 *value,
               QString *error)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const qint64 parsed = parser.value(name).toLongLong(&ok);
    if (!ok || parsed < minimum) {
        *error = QStringLiteral("--%1 takes a whole number of at least %2, got '%3'")
                     .arg(name)
                     .arg(minimum)
                     .arg(parser.value(name));
        return false;
    }
    *value = parsed;
    return true;
}

bool readNumber(const QCommandLineParser &parser, const QString &name, double minimum,
                double *value, QString *error)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const double parsed = parser.value(name).toDouble(&ok);
    if (!ok || parsed < minimum) {
        *error = QStringLiteral("--%1 takes a number of at least %2, got '%3'")
                     .arg(name)
                     .arg(minimum)
                     .arg(parser.value(name));
        return false;
    }
    *value = parsed;
    return true;
}

} // namespace dualscope::cli
