// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>
#include <QWidget>

class QFileSystemWatcher;
class QLabel;
class QTimer;

namespace dualscope::ui {

class GapPanel;

// A window with the merged view of check reports: the members of a consumer group
// (`check --group`), or consecutive windows. Either a fixed set of files, or a
// folder of rolling reports (`--report-every`) merged again whenever one changes.
// The merge is `report merge`'s; a report that cannot be read or merged is named in
// the header while the last good view stays. GUI thread only.
class ReportViewer final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReportViewer)

public:
    // These report files.
    static ReportViewer *forFiles(const QStringList &paths, QWidget *parent = nullptr);
    // Every *.json in the folder, now and as they change.
    static ReportViewer *forFolder(const QString &folder, QWidget *parent = nullptr);
    ~ReportViewer() override;

    GapPanel *gapPanel() const { return m_panel; }
    // The header: what was merged, when, or why it could not be.
    QString headerText() const;
    // Reads and merges the reports again.
    void reload();

private:
    explicit ReportViewer(QWidget *parent);
    QStringList currentFiles() const;
    void watch(const QStringList &files);

    QStringList m_files;
    QString m_folder;
    GapPanel *m_panel = nullptr;
    QLabel *m_header = nullptr;
    QFileSystemWatcher *m_watcher = nullptr;
    QTimer *m_reloadSoon = nullptr;
    QString m_lastGood;
};

} // namespace dualscope::ui
