// SPDX-License-Identifier: MIT
#include "rediscommand.h"

#include <QVarLengthArray>
#include <hiredis/hiredis.h>

namespace dualscope::redis {

void appendCommand(QByteArray &out, const QList<QByteArray> &argv)
{
    if (argv.isEmpty())
        return;
    // Commands on the hot path have a handful of arguments: keep them off the heap.
    QVarLengthArray<const char *, 8> args;
    QVarLengthArray<size_t, 8> lengths;
    for (const QByteArray &arg : argv) {
        args.append(arg.constData());
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

QByteArray formatCommand(const QList<QByteArray> &argv)
{
    QByteArray out;
    appendCommand(out, argv);
    return out;
}

} // namespace dualscope::redis
