// The lab app, as cdk.json runs it (`npx cdk synth`): cdk starts it in this folder, hence the relative config path.

import { App } from 'aws-cdk-lib';
import { buildLabApp } from '../lib/lab-app.js';

buildLabApp(new App(), { configFile: 'flowwatch.yaml' });
