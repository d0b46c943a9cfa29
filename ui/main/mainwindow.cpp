// SPDX-License-Identifier: MIT
#include "main/mainwindow.h"

#include "browser/browserpanel.h"
#include "compose/eventtracewindow.h"
#include "compose/firepanel.h"
#include "gaps/gappanel.h"
#include "gaps/reportviewer.h"
#include "live/livepanel.h"
#include "main/healthlight.h"
#include "main/logpanel.h"
#include "widgets/elidedlabel.h"
#include "widgets/layoutmemory.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

namespace dualscope::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_live(new LivePanel(this)), m_browser(new BrowserPanel(this)),
      m_gaps(new GapPanel(this)), m_fire(new FirePanel(this)), m_log(new LogPanel(this)),
      m_trace(new EventTraceWindow(this)), m_kafkaLight(new HealthLight(tr("Kafka"), this)),
      m_redisLight(new HealthLight(tr("Redis"), this)), m_banner(new ElidedLabel(this, 20))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Dualscope"));

    m_topSplitter = new QSplitter(Qt::Horizontal, this);
    m_topSplitter->setObjectName(QStringLiteral("streamsSplitter"));
    m_topSplitter->setChildrenCollapsible(false);
    m_topSplitter->addWidget(m_live);
    m_topSplitter->addWidget(m_browser);
    m_mainSplitter = new QSplitter(Qt::Vertical, this);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->setChildrenCollapsible(false);
    m_mainSplitter->addWidget(m_topSplitter);
    m_mainSplitter->addWidget(m_gaps);
    m_mainSplitter->setStretchFactor(0, 3);
    m_mainSplitter->setStretchFactor(1, 2);

    m_banner->setObjectName(QStringLiteral("sandboxBanner"));
    m_banner->setVisible(false);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fff4ce; color: #5c4400; padding: "
                                           "6px; border-bottom: 1px solid #e0c36c; }"));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(m_mainSplitter, 1);
    setCentralWidget(central);

    auto *fireDock = new QDockWidget(tr("Fire events"), this);
    fireDock->setObjectName(QStringLiteral("fireDock"));
    // Scrollable vertically, so the composer never forces the window taller than
    // a laptop screen.
    auto *fireScroll = new QScrollArea(fireDock);
    fireScroll->setWidget(m_fire);
    fireScroll->setWidgetResizable(true);
    fireScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    fireScroll->setMinimumWidth(m_fire->minimumSizeHint().width() +
                                fireScroll->verticalScrollBar()->sizeHint().width() + 4);
    fireDock->setWidget(fireScroll);
    addDockWidget(Qt::RightDockWidgetArea, fireDock);
    auto *logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(QStringLiteral("logDock"));
    logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    logDock->hide(); // on demand: View > Log

    statusBar()->addPermanentWidget(m_kafkaLight);
    statusBar()->addPermanentWidget(m_redisLight);
    buildMenus();
    // First-run proportions: the streams side by side above, the gaps below, the
    // composer beside them; on a laptop the window takes the whole screen.
    const QSize screen = screenSize();
    const QSize first = QSize(1560, 960).boundedTo(screen);
    resize(first);
    m_topSplitter->setSizes({first.width() / 2, first.width() / 2});
    m_mainSplitter->setSizes({first.height() * 3 / 5, first.height() * 2 / 5});
    resizeDocks({fireDock}, {first.width() < 1500 ? 300 : 380}, Qt::Horizontal);
    if (!restoreLayout() && screen.width() < 1600)
        setWindowState(windowState() | Qt::WindowMaximized);
}

MainWindow::~MainWindow() = default;

ReportViewer *MainWindow::openReports(const QStringList &paths)
{
    ReportViewer *viewer = ReportViewer::forFiles(paths, this);
    emit reportViewerOpened(viewer);
    viewer->show();
    return viewer;
}

ReportViewer *MainWindow::watchReportFolder(const QString &folder)
{
    ReportViewer *viewer = ReportViewer::forFolder(folder, this);
    emit reportViewerOpened(viewer);
    viewer->show();
    return viewer;
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *connections =
        file->addAction(tr("&Connections…"), this, &MainWindow::connectionsRequested);
    connections->setObjectName(QStringLiteral("connections"));
    connections->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    file->addSeparator();
    // open() rather than the static dialogs: no nested event loop in ui/.
    QAction *openReportsAction = file->addAction(tr("&Open reports…"), this, [this] {
        auto *dialog = new QFileDialog(this, tr("Check reports to merge"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFiles);
        dialog->setNameFilter(tr("Check reports (*.json)"));
        connect(dialog, &QFileDialog::filesSelected, this,
                [this](const QStringList &paths) { openReports(paths); });
        dialog->open();
    });
    openReportsAction->setObjectName(QStringLiteral("openReports"));
    QAction *watchFolderAction = file->addAction(tr("&Watch a folder of reports…"), this, [this] {
        auto *dialog = new QFileDialog(this, tr("Folder of rolling check reports"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::Directory);
        dialog->setOption(QFileDialog::ShowDirsOnly);
        connect(dialog, &QFileDialog::fileSelected, this,
                [this](const QString &folder) { watchReportFolder(folder); });
        dialog->open();
    });
    watchFolderAction->setObjectName(QStringLiteral("watchReportFolder"));
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        view->addAction(dock->toggleViewAction());

    m_faults = menuBar()->addMenu(tr("F&aults"));
    m_faults->menuAction()->setVisible(false); // only with the sandbox

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Dualscope"), this, &MainWindow::showAbout);
}

void MainWindow::buildFaultsMenu(int brokerCount)
{
    m_faults->clear();
    QAction *redisDown = m_faults->addAction(tr("Redis &down"));
    redisDown->setObjectName(QStringLiteral("faultRedisDown"));
    redisDown->setCheckable(true);
    connect(redisDown, &QAction::toggled, this, &MainWindow::redisDownRequested);

    QMenu *publisherCut = m_faults->addMenu(tr("Cut the &publisher's Redis link"));
    publisherCut->setToolTip(tr("Only the Fire panel's publisher loses Redis; the checker keeps "
                                "watching, so what is lost is really missing"));
    for (int seconds : {3, 10, 30}) {
        QAction *cut = publisherCut->addAction(tr("for %n s", nullptr, seconds));
        cut->setObjectName(QStringLiteral("faultPublisherCut%1").arg(seconds));
        connect(cut, &QAction::triggered, this,
                [this, seconds] { emit publisherRedisCutRequested(seconds); });
    }
    QMenu *brokers = m_faults->addMenu(tr("Kafka &broker down"));
    for (int id = 1; id <= brokerCount; ++id) {
        QAction *broker = brokers->addAction(tr("Broker %1").arg(id));
        broker->setObjectName(QStringLiteral("faultBroker%1").arg(id));
        broker->setCheckable(true);
        connect(broker, &QAction::toggled, this,
                [this, id](bool down) { emit brokerDownRequested(id, down); });
    }

    QMenu *errors = m_faults->addMenu(tr("Kafka request &errors"));
    const std::pair<const char *, const char *> injections[] = {
        {"Produce", "NOT_LEADER_FOR_PARTITION"},
        {"Produce", "REQUEST_TIMED_OUT"},
        {"Fetch", "NOT_LEADER_FOR_PARTITION"},
        {"Metadata", "LEADER_NOT_AVAILABLE"},
    };
    for (const auto &[api, error] : injections) {
        QAction *action = errors->addAction(
            tr("Next 5 %1 requests: %2").arg(QLatin1String(api), QLatin1String(error)));
        connect(action, &QAction::triggered, this, [this, api, error] {
            emit requestErrorsRequested(QLatin1String(api), QLatin1String(error), 5);
        });
    }

    QMenu *rtt = m_faults->addMenu(tr("Broker &round-trip time"));
    auto *rttGroup = new QActionGroup(rtt);
    for (int ms : {0, 100, 500, 2000}) {
        QAction *action = rtt->addAction(ms == 0 ? tr("None") : tr("%1 ms").arg(ms));
        action->setCheckable(true);
        action->setChecked(ms == 0);
        rttGroup->addAction(action);
        connect(action, &QAction::triggered, this, [this, ms] { emit roundTripTimeRequested(ms); });
    }
    m_faults->menuAction()->setVisible(true);
}

void MainWindow::setConnectionName(const QString &name)
{
    setWindowTitle(tr("Dualscope — %1").arg(name));
}

void MainWindow::enableSandbox(const QString &description, int brokerCount)
{
    // One line: the whole text in the tooltip.
    m_banner->setFullText(tr("Sandbox (faults in the Faults menu): ") + description);
    m_banner->setVisible(true);
    buildFaultsMenu(brokerCount);
}

void MainWindow::setComponentVersions(const QStringList &versions)
{
    m_versions = versions;
}

void MainWindow::showAbout()
{
    // Non-modal: an About box must not block live views.
    auto *box = new QMessageBox(
        QMessageBox::Information, tr("About Dualscope"),
        tr("<b>Dualscope %1</b><br>A workbench for dual-stream systems: "
           "Kafka for durability, Redis Pub/Sub for real time.<br><br>%2")
            .arg(QLatin1String(DUALSCOPE_VERSION), m_versions.join(QStringLiteral("<br>"))),
        QMessageBox::Close, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->open();
}

QSize MainWindow::screenSize() const
{
    const QScreen *screen = QGuiApplication::primaryScreen();
    return screen ? screen->availableGeometry().size() : QSize(1280, 720);
}

bool MainWindow::restoreLayout()
{
    QSettings settings;
    const QByteArray geometry = settings.value(QStringLiteral("window/geometry")).toByteArray();
    if (geometry.isEmpty())
        return false;
    restoreGeometry(geometry);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    // Every splitter, column width and remembered filter of the window.
    LayoutMemory::restore(this, settings, QStringLiteral("window/layout"));
    return true;
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    LayoutMemory::save(this, &settings, QStringLiteral("window/layout"));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    event->accept();
}

} // namespace dualscope::ui
