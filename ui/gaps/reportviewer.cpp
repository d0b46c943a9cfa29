// SPDX-License-Identifier: MIT
#include "gaps/reportviewer.h"

#include "gap/reportmerge.h"
#include "gaps/gappanel.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace dualscope::ui {

namespace {

// A rolling report is rewritten whole and renamed into place; members write theirs
// at about the same moment. One merge after the burst, not one per file.
constexpr int kSettleMs = 300;

QString timeText(qint64 ms)
{
    return ms > 0
               ? QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
               : QStringLiteral("?");
}

QString reportCount(qsizetype n)
{
    return n == 1 ? ReportViewer::tr("1 report") : ReportViewer::tr("%1 reports").arg(n);
}

} // namespace

ReportViewer::ReportViewer(QWidget *parent)
    : QWidget(parent, Qt::Window), m_panel(new GapPanel(this)), m_header(new QLabel(this)),
      m_watcher(new QFileSystemWatcher(this)), m_reloadSoon(new QTimer(this))
{
    setAttribute(Qt::WA_DeleteOnClose);
    resize(1100, 640);
    m_header->setObjectName(QStringLiteral("reportHeader"));
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *reloadButton = new QPushButton(tr("Reload"), this);
    reloadButton->setObjectName(QStringLiteral("reloadReports"));
    connect(reloadButton, &QPushButton::clicked, this, &ReportViewer::reload);
    auto *headerRow = new QHBoxLayout;
    headerRow->addWidget(m_header, 1);
    headerRow->addWidget(reloadButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(headerRow);
    layout->addWidget(m_panel, 1);

    m_reloadSoon->setSingleShot(true);
    m_reloadSoon->setInterval(kSettleMs);
    connect(m_reloadSoon, &QTimer::timeout, this, &ReportViewer::reload);
    const auto soon = [this] { m_reloadSoon->start(); };
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, soon);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, soon);
}

ReportViewer::~ReportViewer() = default;

ReportViewer *ReportViewer::forFiles(const QStringList &paths, QWidget *parent)
{
    auto *viewer = new ReportViewer(parent);
    viewer->m_files = paths;
    viewer->setWindowTitle(tr("Dualscope — %1 merged").arg(reportCount(paths.size())));
    viewer->reload();
    return viewer;
}

ReportViewer *ReportViewer::forFolder(const QString &folder, QWidget *parent)
{
    auto *viewer = new ReportViewer(parent);
    viewer->m_folder = folder;
    viewer->setWindowTitle(tr("Dualscope — reports in %1").arg(QDir::toNativeSeparators(folder)));
    viewer->m_watcher->addPath(folder);
    viewer->reload();
    return viewer;
}

QString ReportViewer::headerText() const
{
    return m_header->text();
}

QStringList ReportViewer::currentFiles() const
{
    if (m_folder.isEmpty())
        return m_files;
    QStringList files;
    const QDir dir(m_folder);
    for (const QString &name : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        files.append(dir.filePath(name));
    return files;
}

void ReportViewer::watch(const QStringList &files)
{
    // A file renamed into place is a new file: the watcher must be told again.
    const QStringList watched = m_watcher->files();
    if (!watched.isEmpty())
        m_watcher->removePaths(watched);
    if (!files.isEmpty())
        m_watcher->addPaths(files);
}

void ReportViewer::reload()
{
    const QStringList files = currentFiles();
    watch(files);
    QString error;
    std::optional<gap::ParsedReport> merged;
    if (files.isEmpty())
        error = tr("no report (*.json) in %1 yet: start the checkers with --report-every and "
                   "--report in this folder")
                    .arg(QDir::toNativeSeparators(m_folder));
    else
        merged = gap::mergeReportFiles(files, &error);
    const QString now = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"));
    if (!merged) {
        m_header->setStyleSheet(QStringLiteral("color: #c62828;"));
        m_header->setText(
            tr("%1 — not merged at %2: %3")
                .arg(m_lastGood.isEmpty() ? tr("nothing shown") : m_lastGood, now, error));
        return;
    }
    m_panel->clear();
    m_panel->setCounts(merged->counts);
    m_panel->appendGaps(merged->gaps);
    if (merged->latency)
        m_panel->setLatency(*merged->latency);
    m_panel->setReportWindow(merged->window);
    const gap::ReportWindow &window = merged->window;
    QStringList names;
    for (const QString &file : files)
        names.append(QFileInfo(file).fileName());
    const QString group =
        window.settings.group.isEmpty() ? QString() : tr(" of group %1").arg(window.settings.group);
    m_lastGood = tr("%1%2 on topic %3, %4 to %5 (%6)")
                     .arg(reportCount(files.size()), group, QString::fromUtf8(window.topic),
                          timeText(window.startMs), timeText(window.endMs),
                          names.join(QStringLiteral(", ")));
    m_header->setStyleSheet(QString());
    m_header->setText(tr("%1 — merged at %2").arg(m_lastGood, now));
}

} // namespace dualscope::ui
