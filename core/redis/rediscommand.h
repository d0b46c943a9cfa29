// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <initializer_list>

namespace dualscope::redis {

// Encodes one command as a RESP array of bulk strings (binary-safe), e.g.
// {"SET", "k", "v"} -> "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n". Empty argv gives an empty
// result: Redis has no empty command. Thread-safe (no shared state).
QByteArray formatCommand(const QList<QByteArray> &argv);

// Appends the encoding of one command to out, so a pipeline is built into one buffer and
// goes out in one socket write.
void appendCommand(QByteArray &out, const QList<QByteArray> &argv);
// The same for the hot path (PUBLISH per event): no list to build.
void appendCommand(QByteArray &out, std::initializer_list<QByteArrayView> argv);

} // namespace dualscope::redis
