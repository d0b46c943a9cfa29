// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/browsertypes.h"
#include "kafka/kafkarecord.h"

#include <QByteArray>
#include <QHash>
#include <QPointer>
#include <QWidget>
#include <functional>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QStackedWidget;
class QTableView;
class QTableWidget;
class QTimer;

namespace dualscope::kafka {
class BrowserWorker;
}

namespace dualscope::ui {

using kafka::BrowserWorker;
class RecordDetailView;
class RecordPageModel;

// The Kafka browser: topics, partitions with watermarks and a consumer group's
// lag, a page of records at an offset / a timestamp / the end, a record's detail
// (key, headers, timestamp, value as pretty JSON, text or hex), a search over the
// loaded page and a live tail of the chosen partition.
//
// GUI thread only. Every request goes to the BrowserWorker through a queued call
// and every answer comes back as a queued signal, so the panel never waits on the
// network. Routine errors and page notices go to the message line, never to a
// modal box.
class BrowserPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BrowserPanel)

public:
    // The chosen topic's partitions, leaders, ISR and watermarks are asked anew
    // this often while a worker is set (and a group's lag, when one is chosen).
    static constexpr int kAutoRefreshMs = 2000;

    explicit BrowserPanel(QWidget *parent = nullptr);
    ~BrowserPanel() override;

    // The worker lives on its own thread and must outlive the panel, or be
    // replaced first (nullptr detaches). Refreshes the topics.
    void setWorker(BrowserWorker *worker);
    // Loads a page starting at `offset` and selects that record (a gap row opened).
    void showRecord(const QByteArray &topic, qint32 partition, qint64 offset);
    // Topics, watermarks, groups and the chosen group's lag, asked anew.
    void refresh();
    // The chosen topic and its lag, asked anew now (a fault changed the cluster).
    void refreshCurrentTopic();

    // What is wrong with the chosen topic's partitions, in one line ("3 of 3
    // partitions of events are not healthy: under-replicated: replica broker 2 is
    // down ..."); empty when every partition and its brokers answered.
    QString clusterProblem() const { return m_clusterProblem; }

    RecordPageModel *model() const { return m_model; }

signals:
    // "Show notification" on the shown record: the live view selects its notification.
    void showNotificationRequested(const QByteArray &id);
    // clusterProblem() changed (to empty when the cause is gone).
    void clusterProblemChanged(const QString &problem);

private:
    void buildUi();
    void post(std::function<void(BrowserWorker *)> call);

    void onTopicsLoaded(const QList<kafka::TopicInfo> &topics);
    void onTopicRefreshed(const kafka::TopicInfo &topic);
    void updateClusterProblem();
    void onPageLoaded(const kafka::Page &page);
    void onGroupsLoaded(const QList<kafka::GroupInfo> &groups);
    void onGroupLagLoaded(const QByteArray &group, const QByteArray &topic,
                          const QList<kafka::GroupLag> &lag);
    void onTailStarted(const QByteArray &topic, qint32 partition);
    void onTailRecords(const QList<kafka::KafkaRecord> &records);
    void onFailed(const QString &what, const QString &error);

    QByteArray currentTopic() const;
    qint32 currentPartition() const;
    const kafka::TopicInfo *topicInfo(const QByteArray &name) const;
    bool selectTopic(const QByteArray &name);
    void selectPartition(qint32 partition);
    void fillPartitions();
    QByteArray chosenGroup() const;
    void requestLag();
    void loadClicked();
    void requestPage(const kafka::PageRequest &request);
    void updateAnchorWidgets();
    void setTail(bool on);
    void restartTailIfOn();
    void selectOffset(qint64 offset);
    void showMessage(const QString &text);
    // `from` names the request that failed: its next success clears the error.
    void showError(const QString &text, const QString &from = QString());
    void clearErrorFrom(const QString &what);

    QPointer<BrowserWorker> m_worker;

    QListWidget *m_topics = nullptr;
    QTableWidget *m_partitions = nullptr;
    QComboBox *m_groups = nullptr;
    QPushButton *m_refresh = nullptr;
    QComboBox *m_anchor = nullptr;
    QStackedWidget *m_position = nullptr;
    QLineEdit *m_offset = nullptr;
    QDateTimeEdit *m_time = nullptr;
    QSpinBox *m_count = nullptr;
    QCheckBox *m_newestFirst = nullptr;
    QPushButton *m_load = nullptr;
    QCheckBox *m_tail = nullptr;
    QLineEdit *m_search = nullptr;
    RecordPageModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    RecordDetailView *m_detail = nullptr;
    QLabel *m_message = nullptr;
    QTimer *m_autoRefresh = nullptr;
    // Auto-refresh asks again only once the previous answer came: a slow or dead
    // cluster never piles requests up on the worker.
    bool m_topicRefreshInFlight = false;
    bool m_lagInFlight = false;
    // The request whose error the message line shows, if any.
    QString m_errorFrom;
    QString m_clusterProblem;
    // Why the last topic or topic-list request failed; empty after a success.
    QString m_topicRequestError;

    QList<kafka::TopicInfo> m_topicInfos;
    // Lag of m_lagGroup on m_lagTopic, by partition.
    QByteArray m_lagGroup;
    QByteArray m_lagTopic;
    QHash<qint32, kafka::GroupLag> m_lag;
    // Pages asked for and not answered yet: only the last one's answer is shown.
    int m_pendingPages = 0;
    kafka::PageRequest m_lastRequest;
    // The record to select once the page asked for by showRecord() arrives.
    qint64 m_selectOffset = -1;
    // A topic named by showRecord() before the topic list had it.
    QByteArray m_pendingTopic;
    qint32 m_pendingPartition = -1;
    QByteArray m_tailTopic;
    qint32 m_tailPartition = -1;
};

} // namespace dualscope::ui
