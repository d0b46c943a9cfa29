// SPDX-License-Identifier: MIT
#include "io/userfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTemporaryFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dualscope::io {

namespace {

QString kindOf(mode_t mode)
{
    if (S_ISDIR(mode))
        return QStringLiteral("a directory");
    if (S_ISCHR(mode))
        return QStringLiteral("a character device");
    if (S_ISBLK(mode))
        return QStringLiteral("a block device");
    if (S_ISFIFO(mode))
        return QStringLiteral("a FIFO (named pipe)");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    return QStringLiteral("not a regular file");
}

QString megabytes(qint64 bytes)
{
    return QString::number(bytes / (1024.0 * 1024.0), 'f', bytes % (1024 * 1024) ? 1 : 0);
}

} // namespace

bool readUserFile(const QString &path, qint64 maxBytes, QByteArray *contents, QString *error)
{
    auto refuse = [&](const QString &why) {
        *error = QStringLiteral("%1: %2").arg(path, why);
        return false;
    };
    if (path.isEmpty()) {
        *error = QStringLiteral("no file name given");
        return false;
    }
    // open() then fstat() the descriptor: what is checked is what is read, and
    // O_NONBLOCK keeps the open of a FIFO without a writer from hanging.
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return refuse(
            QStringLiteral("cannot open: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    struct stat info = {};
    if (::fstat(fd, &info) != 0) {
        const int saved = errno;
        ::close(fd);
        return refuse(
            QStringLiteral("cannot stat: %1").arg(QString::fromLocal8Bit(std::strerror(saved))));
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd);
        return refuse(QStringLiteral("is %1, not a regular file").arg(kindOf(info.st_mode)));
    }
    if (info.st_size > maxBytes) {
        ::close(fd);
        return refuse(QStringLiteral("is %1 MB, over the limit of %2 MB")
                          .arg(megabytes(info.st_size), megabytes(maxBytes)));
    }
    QFile file;
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return refuse(QStringLiteral("cannot read: %1").arg(file.errorString()));
    }
    // One byte more than allowed tells a file that grew while it was read.
    QByteArray bytes = file.read(maxBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return refuse(QStringLiteral("cannot read: %1").arg(file.errorString()));
    if (bytes.size() > maxBytes)
        return refuse(QStringLiteral("grew past the limit of %1 MB while it was read")
                          .arg(megabytes(maxBytes)));
    *contents = std::move(bytes);
    return true;
}

bool checkWritable(const QString &path, QString *error)
{
    auto refuse = [&](const QString &why) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, why);
        return false;
    };
    if (path.isEmpty()) {
        *error = QStringLiteral("no file name given");
        return false;
    }
    const QFileInfo info(path);
    if (info.isDir())
        return refuse(QStringLiteral("it is a directory"));
    if (info.exists() && !info.isFile())
        return refuse(QStringLiteral("it exists and is not a regular file"));
    const QDir folder = info.absoluteDir();
    if (!folder.exists())
        return refuse(QStringLiteral("the folder %1 does not exist").arg(folder.path()));
    QTemporaryFile probe(folder.filePath(QStringLiteral(".dualscope-write-test-XXXXXX")));
    if (!probe.open())
        return refuse(QStringLiteral("cannot create a file in %1: %2")
                          .arg(folder.path(), probe.errorString()));
    if (info.exists() && !info.isWritable())
        return refuse(QStringLiteral("the file exists and is read-only"));
    return true;
}

bool writeUserFile(const QString &path, const QByteArray &bytes, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace dualscope::io
