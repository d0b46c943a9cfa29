// SPDX-License-Identifier: MIT
#pragma once

#include "publish/defectplan.h"
#include "publish/publishoutcome.h"
#include "publish/publishrun.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QMetaType>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTimer;
class QToolButton;

namespace dualscope::ui {

// What the Fire button asks for: a template already compiled once (with the
// overrides applied), the spread, the run and the ordering. A plain value.
struct FireRequest
{
    QByteArray templateText;
    // k > 1: source ids spread over k sources (EventTemplate::setSourceSpread).
    int sources = 1;
    publish::RunConfig run;
    publish::Ordering ordering = publish::Ordering::KafkaFirst;
    // Defects staged on the notification path, exact in count (as publish --inject),
    // and how long a staged late notification is held back.
    QHash<publish::Defect, qint64> defects;
    int injectDelayMs = 1500;
    // "Fire one": a single event, followed through both streams in a trace window.
    bool trace = false;
};

// The event composer: a JSON template validated as it is typed, placeholders,
// saved templates, the overrides and the run's shape; Fire/Stop, progress and
// per-outcome counters. It creates no publisher: the main window turns
// fireRequested() into a PublishRun and feeds setProgress()/setFinished() back.
// GUI thread only.
class FirePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FirePanel)

public:
    // Typing pauses this long before the template is compiled again: compiling is
    // cheap, but an error flashing at every keystroke is not.
    static constexpr int kValidateDelayMs = 200;

    explicit FirePanel(QWidget *parent = nullptr);
    ~FirePanel() override;

    QByteArray templateText() const;
    void setTemplateText(const QByteArray &text);
    // The last validation's verdict (true also needs the overrides to compile).
    bool isTemplateValid() const { return m_valid; }
    // Saved templates, from QSettings "templates/<name>".
    QStringList savedTemplateNames() const;
    // Fire as the Fire button does, with this count, rate (0: unlimited) and number
    // of sources set first (`dualscope --fire-benchmark`).
    void fireRun(int count, double rate, int sources);

public slots:
    void setRunning(bool running);
    void setProgress(const dualscope::publish::PublisherStats &stats, qint64 generated,
                     qint64 requested);
    void setFinished(const dualscope::publish::RunSummary &summary);
    // A run that could not start or broke off; shown in the run's message line.
    void setError(const QString &message);
    // The newest acknowledged event of the run: its id, partition, offset and ack
    // latency are shown, with a way to follow it into each stream.
    void setLastAcked(const dualscope::publish::PublishOutcome &outcome);

signals:
    // Only with a template that compiles, overrides included.
    void fireRequested(const dualscope::ui::FireRequest &request);
    void stopRequested();
    // Follow the last acknowledged event: its Kafka record, its notification.
    void showRecordRequested(qint32 partition, qint64 offset);
    void showNotificationRequested(const QByteArray &id);

private:
    void buildUi();
    void scheduleValidation();
    void validate();
    QByteArray withOverrides(const QByteArray &text) const;
    void highlightLine(int line);
    void updateFireEnabled();
    // Validates a pending edit first; false while running or invalid.
    bool readyToFire();
    void fire();
    void fireOne();
    FireRequest currentRequest() const;
    void saveTemplate();
    void deleteTemplate();
    void loadTemplate(const QString &name);
    void reloadSavedNames(const QString &select);
    void setCounters(const publish::PublisherStats &stats);
    void setRunMessage(const QString &text, bool error);
    void saveRunShape() const;
    void restoreRunShape();

    QPlainTextEdit *m_editor = nullptr;
    QLabel *m_status = nullptr;
    QToolButton *m_placeholders = nullptr;
    QComboBox *m_saved = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_delete = nullptr;
    QLineEdit *m_type = nullptr;
    QLineEdit *m_sourceType = nullptr;
    QLineEdit *m_sourceId = nullptr;
    QSpinBox *m_sources = nullptr;
    QSpinBox *m_count = nullptr;
    QDoubleSpinBox *m_rate = nullptr;
    QSpinBox *m_burst = nullptr;
    QCheckBox *m_defectBox = nullptr;
    QWidget *m_defectContent = nullptr; // shown while m_defectBox is checked
    QHash<publish::Defect, QSpinBox *> m_defectCounts;
    QSpinBox *m_injectDelay = nullptr;
    QComboBox *m_ordering = nullptr;
    QPushButton *m_fire = nullptr;
    QPushButton *m_fireOne = nullptr;
    QPushButton *m_stop = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_kafkaAcked = nullptr;
    QLabel *m_kafkaFailed = nullptr;
    QStringList m_lastFailureReasons; // described, the most frequent first
    QLabel *m_redisSent = nullptr;
    QLabel *m_redisSkipped = nullptr;
    QLabel *m_redisFailed = nullptr;
    QLabel *m_eventsPerSecond = nullptr;
    QLabel *m_runMessage = nullptr;
    QLabel *m_lastEvent = nullptr;
    QPushButton *m_showRecord = nullptr;
    QPushButton *m_showNotification = nullptr;
    publish::PublishOutcome m_lastAcked;
    QTimer *m_validateTimer = nullptr;

    bool m_valid = false;
    bool m_running = false;
    // The validated text with the overrides applied: what Fire sends.
    QByteArray m_validText;
    // For events/s: outcomes and time at the previous progress report.
    QElapsedTimer m_rateClock;
    qint64 m_lastDone = 0;
    qint64 m_lastRateMs = 0;
};

} // namespace dualscope::ui

Q_DECLARE_METATYPE(dualscope::ui::FireRequest)
