// SPDX-License-Identifier: MIT
#include "kafka/brokerprobe.h"

#include <QDeadlineTimer>
#include <QTcpSocket>
#include <QtEndian>

namespace dualscope::kafka {

namespace {

// A Kafka answer starts with its length and our correlation id; a frame of more
// than this is no answer to ApiVersions (librdkafka's receive.message.max.bytes).
constexpr quint32 kMaxAnswerBytes = 100'000'000;
constexpr quint32 kCorrelationId = 0x44530001; // "DS", 1
constexpr int kMaxProbedAddresses = 3;
constexpr qsizetype kShownBytes = 40;

// ApiVersions v0: size, api key 18, version 0, correlation id, client id.
QByteArray apiVersionsRequest()
{
    const QByteArray clientId("dualscope-probe");
    QByteArray body;
    auto append16 = [&](quint16 v) {
        char b[2];
        qToBigEndian(v, b);
        body.append(b, 2);
    };
    auto append32 = [&](quint32 v, QByteArray &to) {
        char b[4];
        qToBigEndian(v, b);
        to.append(b, 4);
    };
    append16(18);
    append16(0);
    append32(kCorrelationId, body);
    append16(quint16(clientId.size()));
    body.append(clientId);
    QByteArray request;
    append32(quint32(body.size()), request);
    return request + body;
}

QString printable(const QByteArray &bytes)
{
    QString out;
    for (const char c : bytes.left(kShownBytes))
        out += (c >= 0x20 && c < 0x7f) ? QLatin1Char(c) : QLatin1Char('.');
    return out;
}

// Empty when host:port answered like a Kafka broker.
QString probe(const QString &host, quint16 port, int timeoutMs)
{
    const QString address = QStringLiteral("%1:%2").arg(host).arg(port);
    QTcpSocket socket;
    socket.connectToHost(host, port);
    if (!socket.waitForConnected(timeoutMs))
        return QStringLiteral("nothing accepts connections at %1 (%2)")
            .arg(address, socket.errorString());
    socket.write(apiVersionsRequest());
    socket.flush();
    QByteArray answer;
    const QDeadlineTimer deadline(timeoutMs);
    while (answer.size() < 8 && !deadline.hasExpired()) {
        if (!socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime()))))
            break;
        answer += socket.readAll();
    }
    if (answer.isEmpty()) {
        if (socket.state() != QAbstractSocket::ConnectedState)
            return QStringLiteral("%1 closed the connection when sent a Kafka request: it is "
                                  "not a Kafka port")
                .arg(address);
        return QStringLiteral("%1 accepted the connection but did not answer a Kafka request "
                              "within %2 ms: is it a Kafka port?")
            .arg(address)
            .arg(timeoutMs);
    }
    const quint32 size = answer.size() >= 4 ? qFromBigEndian<quint32>(answer.constData()) : 0;
    const quint32 correlation =
        answer.size() >= 8 ? qFromBigEndian<quint32>(answer.constData() + 4) : 0;
    if (size < 4 || size > kMaxAnswerBytes || correlation != kCorrelationId)
        return QStringLiteral("%1 did not answer like a Kafka broker (it sent \"%2\")")
            .arg(address, printable(answer));
    return {};
}

} // namespace

QString diagnoseBootstrap(const QByteArray &bootstrap, const Properties &properties, int timeoutMs)
{
    for (const auto &[name, value] : properties) {
        if (name == "security.protocol" && value.toLower() != "plaintext")
            return {};
    }
    QStringList findings;
    int probed = 0;
    for (const QByteArray &rawEntry : bootstrap.split(',')) {
        if (++probed > kMaxProbedAddresses)
            break;
        QByteArray entry = rawEntry.trimmed();
        const qsizetype scheme = entry.indexOf("://");
        if (scheme >= 0) {
            if (entry.left(scheme).toLower() != "plaintext")
                return {};
            entry = entry.mid(scheme + 3);
        }
        QString host;
        quint16 port = 9092;
        const qsizetype colon = entry.lastIndexOf(':');
        const bool bracketed = entry.startsWith('[');
        if (bracketed) {
            const qsizetype close = entry.indexOf(']');
            host = QString::fromUtf8(entry.mid(1, close - 1));
            if (colon > close)
                port = quint16(entry.mid(colon + 1).toUInt());
        } else {
            host = QString::fromUtf8(colon < 0 ? entry : entry.left(colon));
            if (colon >= 0)
                port = quint16(entry.mid(colon + 1).toUInt());
        }
        if (host.isEmpty() || port == 0)
            continue; // validateBootstrap() refuses these before anything is tried
        const QString finding = probe(host, port, timeoutMs);
        if (finding.isEmpty())
            return {}; // a broker answers: the failure is not the address
        findings.append(finding);
    }
    return findings.join(QLatin1String("; "));
}

QString explainKafkaFailure(const QString &failure, const QByteArray &bootstrap,
                            const Properties &properties)
{
    const QString diagnosis = diagnoseBootstrap(bootstrap, properties);
    return diagnosis.isEmpty() ? failure : failure + QStringLiteral(" - ") + diagnosis;
}

} // namespace dualscope::kafka
