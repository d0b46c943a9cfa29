// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkaconfig.h"
#include "redis/redisurl.h"

#include <QCommandLineParser>
#include <QProcessEnvironment>

namespace dualscope::cli {

// Exit codes shared by every subcommand (docs/design.md: scripts rely on them).
enum ExitCode { ExitOk = 0, ExitGaps = 1, ExitError = 2 };

// The connection options common to every subcommand: --kafka, --redis, --topic,
// -X key=value. DUALSCOPE_KAFKA and DUALSCOPE_REDIS give defaults.
struct Connection
{
    QByteArray kafkaBootstrap;
    redis::RedisUrl redisUrl;
    // As given (it may hold a password): for child processes, through their
    // environment, never their command line.
    QString redisUrlText;
    QByteArray topic = "events";
    kafka::Properties kafkaProperties;
};

void addConnectionOptions(QCommandLineParser &parser);
// This process's environment with the connection in DUALSCOPE_KAFKA and
// DUALSCOPE_REDIS, for a dualscope-cli child: a password stays off `ps`.
QProcessEnvironment childEnvironment(const Connection &connection);
// --pattern (repeatable; default: the channel template's pattern, events:*).
void addPatternOption(QCommandLineParser &parser);
QList<QByteArray> patternsFrom(const QCommandLineParser &parser);

enum Need { NeedKafka = 1, NeedRedis = 2, NeedBoth = 3 };
// When a needed peer is missing the error says how to get a sandbox.
bool resolveConnection(const QCommandLineParser &parser, Connection *connection, QString *error,
                       int need = NeedBoth);

// Parses the subcommand's arguments; prints help (exit 0) or a usage error (exit 2).
// Returns false with *exitCode set when the caller must exit.
// Positional arguments are refused unless the command takes them (report merge).
bool parseOrExit(QCommandLineParser &parser, const QStringList &arguments, int *exitCode,
                 bool takesPositionals = false);

// Reads a positive integer option, with a usage error naming the option.
bool readCount(const QCommandLineParser &parser, const QString &name, qint64 minimum, qint64 *value,
               QString *error);
bool readNumber(const QCommandLineParser &parser, const QString &name, double minimum,
                double *value, QString *error);

void printError(const QString &message);

} // namespace dualscope::cli
