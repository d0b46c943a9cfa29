// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

class QLabel;
class QMenu;
class QSplitter;

namespace dualscope::ui {

class ElidedLabel;

class BrowserPanel;
class EventTraceWindow;
class FirePanel;
class GapPanel;
class HealthLight;
class LivePanel;
class LogPanel;
class ReportViewer;

// The one window: live Redis channels beside the Kafka browser, the gap panel
// under them, the composer at the side, the log at the bottom. It holds widgets
// only; app/ creates the core services and wires them to the panels and to the
// signals below.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    LivePanel *livePanel() const { return m_live; }
    BrowserPanel *browserPanel() const { return m_browser; }
    GapPanel *gapPanel() const { return m_gaps; }
    FirePanel *firePanel() const { return m_fire; }
    LogPanel *logPanel() const { return m_log; }
    // "Fire one"'s trace: a window of its own, hidden until a trace begins.
    EventTraceWindow *traceWindow() const { return m_trace; }
    HealthLight *kafkaLight() const { return m_kafkaLight; }
    HealthLight *redisLight() const { return m_redisLight; }

    // "sandbox" or a profile name: the title reads "Dualscope — <name>".
    void setConnectionName(const QString &name);
    // The sandbox banner and the Faults menu; brokers are numbered 1..brokerCount.
    void enableSandbox(const QString &description, int brokerCount);
    // For the About box: "Qt 6.4.2", "librdkafka 2.0.2", "redis-server 7.0.15".
    void setComponentVersions(const QStringList &versions);

    QMenu *faultsMenu() const { return m_faults; }

    // File > Open reports… / Watch a folder of reports…, without their dialogs: a
    // window with the reports' merged view (a consumer group's members).
    ReportViewer *openReports(const QStringList &paths);
    ReportViewer *watchReportFolder(const QString &folder);

signals:
    // File > Connections…: the profiles dialog.
    void connectionsRequested();
    // A merged-report window opened: its gap panel's replay and record links.
    void reportViewerOpened(dualscope::ui::ReportViewer *viewer);
    void redisDownRequested(bool down);
    void brokerDownRequested(int brokerId, bool down);
    void requestErrorsRequested(const QString &api, const QString &error, int count);
    void roundTripTimeRequested(int milliseconds);
    void publisherRedisCutRequested(int seconds);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void buildFaultsMenu(int brokerCount);
    // False on a first start (nothing saved yet).
    bool restoreLayout();
    QSize screenSize() const;
    void saveLayout();
    void showAbout();

    LivePanel *m_live = nullptr;
    BrowserPanel *m_browser = nullptr;
    GapPanel *m_gaps = nullptr;
    FirePanel *m_fire = nullptr;
    LogPanel *m_log = nullptr;
    EventTraceWindow *m_trace = nullptr;
    HealthLight *m_kafkaLight = nullptr;
    HealthLight *m_redisLight = nullptr;
    ElidedLabel *m_banner = nullptr;
    QSplitter *m_topSplitter = nullptr;
    QSplitter *m_mainSplitter = nullptr;
    QMenu *m_faults = nullptr;
    QStringList m_versions;
};

} // namespace dualscope::ui
