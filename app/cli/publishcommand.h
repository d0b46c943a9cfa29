// SPDX-License-Identifier: MIT
#pragma once

#include "cliconnection.h"
#include "event/channeltemplate.h"
#include "publish/publishrun.h"

#include <QStringList>

namespace dualscope::cli {

// dualscope-cli publish --count N [--rate R] [--batch B] [--template FILE] ...
int runPublishCommand(const QStringList &arguments);

// What `publish` and `bench publish` share: the options that shape the events,
// and the run itself.
void addPublishOptions(QCommandLineParser &parser);
struct PublishRequest
{
    Connection connection;
    QByteArray templateText;
    QString templateName; // for error messages: the file, or "the default template"
    int sources = 1;
    event::ChannelTemplate channelTemplate = event::ChannelTemplate::defaultTemplate();
    publish::RunConfig run;
    publish::Ordering ordering = publish::Ordering::KafkaFirst;
    int enqueueTimeoutMs = 5000;
    std::optional<publish::DefectPlan> defects;
    int injectDelayMs = 1500;
    bool json = false;
    bool benchFigures = false;
};
// Reads the event-shaping options into `request` (not the connection).
bool readPublishOptions(const QCommandLineParser &parser, PublishRequest *request, QString *error);
int executePublish(const PublishRequest &request);

} // namespace dualscope::cli
