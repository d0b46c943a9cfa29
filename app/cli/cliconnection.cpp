// SPDX-License-Identifier: MIT
#include "cliconnection.h"

#include "redis/redisconnection.h"

#include <QTextStream>
#include <cmath>
#include <cstdio>

namespace dualscope::cli {

void printError(const QString &message)
{
    QTextStream(stderr) << "dualscope-cli: " << message << Qt::endl;
}

QProcessEnvironment childEnvironment(const Connection &connection)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("DUALSCOPE_KAFKA"),
                       QString::fromUtf8(connection.kafkaBootstrap));
    environment.insert(QStringLiteral("DUALSCOPE_REDIS"), connection.redisUrlText);
    return environment;
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
    parser.addOption({QStringLiteral("redis-ca"),
                      QStringLiteral("rediss://: trust only this CA certificate (PEM) instead of "
                                     "the system's."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("redis-cert"),
                      QStringLiteral("rediss://: client certificate (PEM), with --redis-key."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("redis-key"),
                      QStringLiteral("rediss://: the client certificate's private key (PEM, not "
                                     "encrypted)."),
                      QStringLiteral("FILE")});
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
        connection->redisUrl.tlsCaFile = parser.value(QStringLiteral("redis-ca"));
        connection->redisUrl.tlsCertFile = parser.value(QStringLiteral("redis-cert"));
        connection->redisUrl.tlsKeyFile = parser.value(QStringLiteral("redis-key"));
        if (!redis::checkTlsFiles(connection->redisUrl, error))
            return false;
        connection->redisUrlText = redisText;
    }
    connection->kafkaBootstrap = kafka.toUtf8();
    if (!connection->kafkaBootstrap.isEmpty() &&
        !kafka::validateBootstrap(connection->kafkaBootstrap, error))
        return false;
    connection->topic = parser.value(QStringLiteral("topic")).toUtf8();
    if (!kafka::validateTopicName(connection->topic, error)) {
        error->prepend(QStringLiteral("--topic: "));
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

bool parseOrExit(QCommandLineParser &parser, const QStringList &arguments, int *exitCode,
                 bool takesPositionals)
{
    const QCommandLineOption help = parser.addHelpOption();
    auto usageError = [&](const QString &why) {
        printError(why + QStringLiteral(" (see --help)"));
        *exitCode = ExitError;
        return false;
    };
    if (!parser.parse(arguments))
        return usageError(parser.errorText());
    if (parser.isSet(help)) {
        QTextStream(stdout) << parser.helpText();
        *exitCode = ExitOk;
        return false;
    }
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && !takesPositionals)
        return usageError(QStringLiteral("unexpected argument '%1': every value goes with an "
                                         "option")
                              .arg(positional.first()));
    // The arguments were decoded from UTF-8; what was not UTF-8 became U+FFFD.
    for (const QString &name : parser.optionNames()) {
        for (const QString &value : parser.values(name)) {
            if (value.contains(QChar::ReplacementCharacter))
                return usageError(QStringLiteral("the value of --%1 is not valid UTF-8").arg(name));
        }
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
    // toDouble() takes "nan" and "inf": neither is a rate or a duration.
    if (!ok || !std::isfinite(parsed) || parsed < minimum) {
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
