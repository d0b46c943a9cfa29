// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>

class QTcpServer;
class QTcpSocket;

namespace dualscope::sandbox {

// A TCP forwarder on loopback in front of one peer, for the one fault a peer cannot
// stage by itself: cutting one client's link while every other client stays
// connected. The sandbox puts the GUI's publisher behind it, so "cut the
// publisher's Redis link" loses notifications for real while the checker, connected
// directly, keeps watching. Lives on one thread (its sockets' thread).
class LinkProxy final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinkProxy)

public:
    LinkProxy(QHostAddress target, quint16 targetPort, QObject *parent = nullptr);
    ~LinkProxy() override;

    // Listens on 127.0.0.1 on a free port.
    bool listen(QString *error);
    quint16 port() const;
    bool isCut() const;

public slots:
    // Closes every forwarded connection now and refuses new ones for `ms`; the
    // clients see their peer go away, as when a network link breaks.
    void cut(int ms);

signals:
    void cutChanged(bool cut);

private:
    struct Link
    {
        QTcpSocket *client = nullptr;
        QTcpSocket *upstream = nullptr;
        friend bool operator==(const Link &, const Link &) = default;
    };
    void accept();
    void close(Link link);

    const QHostAddress m_target;
    const quint16 m_targetPort;
    QTcpServer *m_server = nullptr;
    QList<Link> m_links;
    QElapsedTimer m_cutClock;
    qint64 m_cutForMs = 0;
};

} // namespace dualscope::sandbox
