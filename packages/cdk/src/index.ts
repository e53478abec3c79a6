// @flowwatch/cdk: the AWS side of flowwatch as one construct (work in progress).

export {};
