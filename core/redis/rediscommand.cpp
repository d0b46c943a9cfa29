// SPDX-License-Identifier: MIT
#include "rediscommand.h"

#include <QVarLengthArray>
#include <hiredis/hiredis.h>

namespace dualscope::redis {

namespace {

template <typename Range> void appendArgs(QByteArray &out, const Range &argv)
{
    if (argv.size() == 0)
        return;
    // Commands on the hot path have a handful of arguments: keep them off the heap.
    QVarLengthArray<const char *, 8> args;
    QVarLengthArray<size_t, 8> lengths;
    for (const auto &arg : argv) {
        args.append(arg.data());
        lengths.append(size_t(arg.size()));
    }
    // hiredis 0.14 takes "const char **" (not "const char *const *"), hence data().
    char *command = nullptr;
    const int length =
        redisFormatCommandArgv(&command, int(argv.size()), args.data(), lengths.constData());
    if (length < 0 || !command)
        qFatal("redisFormatCommandArgv failed (out of memory)");
    out.append(command, length);
    redisFreeCommand(command);
}

} // namespace

void appendCommand(QByteArray &out, const QList<QByteArray> &argv)
{
    appendArgs(out, argv);
}

namespace {

void appendDecimal(QByteArray &out, char prefix, qsizetype value)
{
    char digits[24];
    int length = 0;
    do {
        digits[length++] = char('0' + value % 10);
        value /= 10;
    } while (value > 0);
    out.append(prefix);
    while (length > 0)
        out.append(digits[--length]);
    out.append("\r\n", 2);
}

} // namespace

// Encoded here rather than by redisFormatCommandArgv: this overload runs once per
// published event, and hiredis formats every length with sprintf into a fresh
// allocation (measured with perf at about 6 % of the publish path). The bytes are
// the same; tst_respparser compares both encoders.
void appendCommand(QByteArray &out, std::initializer_list<QByteArrayView> argv)
{
    if (argv.size() == 0)
        return;
    qsizetype size = 16;
    for (const QByteArrayView &arg : argv)
        size += arg.size() + 16;
    out.reserve(out.size() + size);
    appendDecimal(out, '*', qsizetype(argv.size()));
    for (const QByteArrayView &arg : argv) {
        appendDecimal(out, '$', arg.size());
        out.append(arg.data(), arg.size());
        out.append("\r\n", 2);
    }
}

QByteArray formatCommand(const QList<QByteArray> &argv)
{
    QByteArray out;
    appendCommand(out, argv);
    return out;
}

} // namespace dualscope::redis
