// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

// Files the user names on a command line or in a dialog: templates and reports to
// read, reports to write. Plain functions; any thread.
namespace dualscope::io {

// An event template expands to one Kafka value (message.max.bytes is 1 MB by
// default): 16 MB is far above any real template and refuses a wrong path fast.
inline constexpr qint64 kMaxTemplateFileBytes = 16 * 1024 * 1024;
// A check report lists at most 100,000 gaps of ~250 bytes each (~25 MB).
inline constexpr qint64 kMaxReportFileBytes = 64 * 1024 * 1024;

// Reads a whole regular file of at most maxBytes. Refuses, with an error that names
// the file and says why, what is not a regular file (a directory, a device, a FIFO,
// a socket) and what is larger than the cap, before reading anything; a file that
// grows past the cap while it is read is refused too.
bool readUserFile(const QString &path, qint64 maxBytes, QByteArray *contents, QString *error);

// Writes `bytes` whole to a temporary file beside `path` and renames it into place, so a
// reader (a dashboard polling a rolling report) never sees half a file.
bool writeUserFile(const QString &path, const QByteArray &bytes, QString *error);

// Whether a file can be written at `path` later (a report at the end of a watch):
// not a directory, its folder exists, and a file can be created there. Checked by
// creating and removing a temporary file beside it; `path` itself is not touched.
bool checkWritable(const QString &path, QString *error);

} // namespace dualscope::io
