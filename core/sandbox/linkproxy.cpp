// SPDX-License-Identifier: MIT
#include "sandbox/linkproxy.h"

#include "sandbox/sandboxlog.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace dualscope::sandbox {

namespace {

// A client's bytes wait this long for the upstream connection; Redis on loopback
// answers in well under it.
constexpr int kUpstreamConnectMs = 5000;

// Everything readable on `from`, written to `to` (no framing: bytes as they come).
void forward(QTcpSocket *from, QTcpSocket *to)
{
    if (to->state() == QAbstractSocket::ConnectedState)
        to->write(from->readAll());
}

} // namespace

LinkProxy::LinkProxy(QHostAddress target, quint16 targetPort, QObject *parent)
    : QObject(parent), m_target(std::move(target)), m_targetPort(targetPort),
      m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &LinkProxy::accept);
}

LinkProxy::~LinkProxy()
{
    const QList<Link> links = m_links;
    for (const Link &link : links)
        close(link);
}

bool LinkProxy::listen(QString *error)
{
    if (m_server->listen(QHostAddress::LocalHost, 0))
        return true;
    *error =
        QStringLiteral("link proxy: cannot listen on 127.0.0.1: %1").arg(m_server->errorString());
    return false;
}

quint16 LinkProxy::port() const
{
    return m_server->serverPort();
}

bool LinkProxy::isCut() const
{
    return m_cutForMs > 0 && m_cutClock.isValid() && m_cutClock.elapsed() < m_cutForMs;
}

void LinkProxy::cut(int ms)
{
    m_cutClock.start();
    m_cutForMs = ms;
    const QList<Link> links = m_links;
    for (const Link &link : links)
        close(link);
    qCInfo(lcSandbox, "link proxy: cut for %d ms", ms);
    emit cutChanged(true);
    QTimer::singleShot(ms, this, [this] {
        if (isCut())
            return; // cut again meanwhile: that timer ends it
        qCInfo(lcSandbox, "link proxy: link restored");
        emit cutChanged(false);
    });
}

void LinkProxy::accept()
{
    while (QTcpSocket *client = m_server->nextPendingConnection()) {
        if (isCut()) {
            client->abort(); // refused while cut: the client retries with its backoff
            client->deleteLater();
            continue;
        }
        auto *upstream = new QTcpSocket(this);
        client->setParent(this);
        const Link link{client, upstream};
        m_links.append(link);
        connect(upstream, &QTcpSocket::connected, this, [client, upstream] {
            forward(client, upstream); // what the client sent while we connected
        });
        connect(client, &QTcpSocket::readyRead, this,
                [client, upstream] { forward(client, upstream); });
        connect(upstream, &QTcpSocket::readyRead, this,
                [client, upstream] { forward(upstream, client); });
        for (QTcpSocket *end : {client, upstream}) {
            connect(end, &QTcpSocket::disconnected, this, [this, link] { close(link); });
            connect(end, &QTcpSocket::errorOccurred, this, [this, link] { close(link); });
        }
        QTimer::singleShot(kUpstreamConnectMs, upstream, [this, link] {
            if (link.upstream->state() != QAbstractSocket::ConnectedState)
                close(link);
        });
        upstream->connectToHost(m_target, m_targetPort);
    }
}

void LinkProxy::close(Link link)
{
    const qsizetype index = m_links.indexOf(link);
    if (index < 0)
        return; // closed already (both ends report it)
    m_links.removeAt(index);
    for (QTcpSocket *end : {link.client, link.upstream}) {
        end->disconnect(this);
        end->abort();
        end->deleteLater();
    }
}

} // namespace dualscope::sandbox
