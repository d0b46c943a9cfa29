// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/browsertypes.h"
#include "kafka/kafkaconfig.h"
#include "kafka/kafkarecord.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <memory>

class QTimer;

namespace dualscope::kafka {

class KafkaBrowser;
class KafkaTail;

// The Kafka browser's service: the GUI's browser panel drives it through queued
// calls and sees only the value types of browsertypes.h. Built and moved to its
// thread by app/, never by ui/.
// Its network side: a kafka::KafkaBrowser (blocking calls bounded
// by timeouts) and, while the live tail runs, a kafka::KafkaTail.
//
// Threading: construct it on any thread, then moveToThread() a dedicated worker
// thread before the first slot runs; every slot must run on that thread (invoke
// them through queued connections), and every signal is emitted there. The
// browser handle and the tail are created lazily inside the slots, so they belong
// to the worker thread. Delete it on its thread (QThread::finished ->
// deleteLater) or after that thread has finished. The GUI thread only ever sees
// the value types the signals carry.
class BrowserWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BrowserWorker)

public:
    // Metadata, group and lag requests; a page carries its own timeout.
    static constexpr int kRequestTimeoutMs = 10000;
    // Tail records are handed to the GUI at most this often (STYLE.md: batches on
    // a coarse timer, never one signal per poll tick of the tail).
    static constexpr int kTailFlushIntervalMs = 50;
    // The most records one tail batch carries: the record table keeps no more
    // than a page, so older records beyond it would be trimmed on arrival anyway.
    static constexpr int kMaxTailBatch = kMaxPageCount;

    BrowserWorker(QByteArray bootstrap, kafka::Properties properties, QObject *parent = nullptr);
    ~BrowserWorker() override;

    // Registers the value types of the signals and slots for queued connections.
    // The constructor calls it; idempotent.
    static void registerMetaTypes();

public slots:
    void refreshTopics();
    // One topic's partitions, leaders, ISR and watermarks: the panel's refresh
    // every couple of seconds, cheaper than listing every topic.
    void refreshTopic(const QByteArray &topic);
    void loadPage(const dualscope::kafka::PageRequest &request);
    void loadGroups();
    void loadGroupLag(const QByteArray &group, const QByteArray &topic);
    // Follows one partition from its current end; replaces a running tail.
    void startTail(const QByteArray &topic, qint32 partition);
    void stopTail();

signals:
    void topicsLoaded(const QList<dualscope::kafka::TopicInfo> &topics);
    void topicRefreshed(const dualscope::kafka::TopicInfo &topic);
    void pageLoaded(const dualscope::kafka::Page &page);
    void groupsLoaded(const QList<dualscope::kafka::GroupInfo> &groups);
    void groupLagLoaded(const QByteArray &group, const QByteArray &topic,
                        const QList<dualscope::kafka::GroupLag> &lag);
    // The tail is positioned: records produced from now on reach tailRecords().
    void tailStarted(const QByteArray &topic, qint32 partition);
    void tailStopped();
    // In offset order, at most one batch per kTailFlushIntervalMs.
    void tailRecords(const QList<dualscope::kafka::KafkaRecord> &records);
    // `what` names the request ("topics", "topic", "page", "groups", "lag", "tail").
    void failed(const QString &what, const QString &error);

private:
    kafka::KafkaBrowser *browser(const QString &what);
    void bufferTailRecords(const QList<kafka::KafkaRecord> &records);
    void flushTail();

    const QByteArray m_bootstrap;
    const kafka::Properties m_properties;
    std::unique_ptr<kafka::KafkaBrowser> m_browser;
    kafka::KafkaTail *m_tail = nullptr;
    QTimer *m_flushTimer = nullptr;
    QList<kafka::KafkaRecord> m_tailBuffer;
};

} // namespace dualscope::kafka
