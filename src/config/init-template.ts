// The commented flowwatch.yaml that `flowwatch init` writes: the classic flow log setups (rejected SSH and
// denied ICMP as metric filters, an alarm on each, an email topic) ready to run.

/** The starter configuration text. */
export const INIT_TEMPLATE = `# flowwatch configuration. "flowwatch monitor" reads it at start; "flowwatch metric-filter put" edits it.
# Every key is described in the README (section "Live monitoring").

# Metric filters: CloudWatch filter patterns applied to every stored flow log record. Each match adds a
# datapoint (metricValue) to the metric, per minute of the record's start. These patterns spell out the 14
# fields of the default format; "flowwatch metric-filter presets --format '<your format>'" prints them for yours.
metricFilters:
  - name: rejected-ssh
    pattern: "[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]"
    metricNamespace: FlowLogs
    metricName: RejectedSSH
    metricValue: "1"
    defaultValue: 0
    unit: Count
  - name: denied-icmp
    pattern: "[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]"
    metricNamespace: FlowLogs
    metricName: DeniedICMP
    metricValue: "1"
    defaultValue: 0
    unit: Count

# Alarms with CloudWatch's semantics, set so that a normal day stays quiet and an attack alarms within two
# minutes. Internet scanners knock on port 22 all day (a few a minute at most); a brute force tries several
# times a minute for minutes on end. So: ALARM when at least 2 of the last 3 minutes each saw 5 or more rejected
# SSH attempts (2 or more denied pings); OK again once 2 of the last 3 minutes are below that. A minute without
# records counts as quiet (notBreaching). See docs/decisions/24-alarm-episodes-and-demo.md for the reasoning.
alarms:
  - name: rejected-ssh
    description: Repeated SSH attempts rejected by a security group or network ACL (a brute force or a scan).
    metric: { namespace: FlowLogs, metricName: RejectedSSH }
    statistic: Sum
    period: 60
    evaluationPeriods: 3
    datapointsToAlarm: 2
    threshold: 5
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
    alarmActions: [netops]
    okActions: [netops]
  - name: denied-icmp
    description: Pings denied for minutes on end (typically by a network ACL).
    metric: { namespace: FlowLogs, metricName: DeniedICMP }
    statistic: Sum
    period: 60
    evaluationPeriods: 3
    datapointsToAlarm: 2
    threshold: 2
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
    alarmActions: [netops]
    okActions: [netops]

# Where notifications go: SNS-like topics with subscriptions (email, webhook, slack, stdout).
# A topic groups an alarm's notifications per episode: one message when the alarm goes to ALARM, nothing while
# it goes OK and back to ALARM within quietMinutes, one message (with the episode's first and last ALARM and
# its re-triggers) once it has stayed out of ALARM for quietMinutes. quietMinutes: 0 sends every state change.
topics:
  - name: netops
    episodes: { quietMinutes: 15 }
    subscriptions:
      - type: email
        to: [netops@example.com]
      - type: stdout
      # - type: webhook
      #   url: https://hooks.example.com/flowwatch
      #   secretEnv: FLOWWATCH_WEBHOOK_SECRET   # HMAC-SHA256 signature in x-flowwatch-signature
      # - type: slack
      #   url: https://hooks.slack.com/services/...

# The SMTP server email goes through. Credentials come from environment variables, never from this file.
smtp:
  host: localhost
  port: 25
  from: flowwatch <flowwatch@example.com>
  # auth: { userEnv: SMTP_USER, passEnv: SMTP_PASSWORD }

# Where live flow logs come from. A folder is watched for new and growing files (the S3 layouts, gzip,
# Parquet); Firehose and CloudWatch Logs subscription payloads are POSTed to the monitor.
sources:
  - name: local
    type: directory
    path: ./flowlogs
  # - name: firehose
  #   type: firehose
  #   path: /firehose
  #   accessKeyEnv: FLOWWATCH_FIREHOSE_KEY   # the monitor will not start while this variable is unset or empty
  # - name: vpc-bucket
  #   type: s3
  #   bucket: my-flow-log-bucket
  #   prefix: AWSLogs/
  #   region: us-east-1
  # - name: vpc-log-group
  #   type: cloudwatch-logs
  #   logGroupName: /vpc/flowlogs
  #   region: us-east-1

monitor:
  listen: 127.0.0.1:8080
  stateDir: flowwatch-state
  # memoryLimit: 1GB        # DuckDB's memory for loads and queries (it spills to disk beyond)
  # queryConcurrency: 0     # dashboard queries at once (0: half the thread pool), the rest wait
  # queryQueue: 64          # queries waiting at most; more are answered 503 with Retry-After
  # threads: 0              # DuckDB's threads (0: one per core; 1: less CPU per ingested record, slower big queries)
`;
