// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QSettings;
class QWidget;

namespace dualscope::ui {

// Remembers how the user arranged a window: every splitter's sizes, every table
// and tree header's column widths, order and sort, and the choice of every combo
// box marked with the property kRememberChoice (a filter). Widgets are found by
// their path of object names under `root` (an unnamed one by its class and
// position), so a widget keeps its settings across starts without a list to
// maintain. Windows of their own (a report viewer) are not part of the layout.
//
// The settings of a widget that is gone or changed shape are ignored: Qt's
// restoreState() refuses a header state for another column count.
class LayoutMemory final
{
public:
    static constexpr const char *kRememberChoice = "dualscopeRememberChoice";

    static void save(const QWidget *root, QSettings *settings, const QString &group);
    static void restore(QWidget *root, const QSettings &settings, const QString &group);
};

} // namespace dualscope::ui
