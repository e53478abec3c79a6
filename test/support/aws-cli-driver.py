# The AWS CLI's own entry point (awscli.clidriver, what /usr/bin/aws runs) called once per request in one Python
# process: the lab's calls (test/api/aws-cli-lab.test.ts) pay the CLI's start-up (importing botocore, prompt_toolkit
# and awscrt: ~0.9 CPU-s) once, not 20 times. Each call gets a fresh entry point (its own botocore session) and the
# exit code, stdout and stderr it would have had as `aws <args>`.
#
# Protocol: one JSON array of arguments per line on stdin; one JSON object {"code", "out", "err"} per line on stdout.
# Run it with /usr/bin/python3 (Debian's, whose packages hold Debian's awscli).
import io
import json
import os
import sys

if os.environ.get('LC_CTYPE', '') == 'UTF-8':
    os.environ['LC_CTYPE'] = 'en_US.UTF-8'
import awscli.clidriver  # noqa: E402

sys.argv[0] = 'aws'  # the name its usage and error messages show

reply = sys.stdout
for line in sys.stdin:
    args = json.loads(line)
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdout = io.TextIOWrapper(out, encoding='utf-8', write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding='utf-8', write_through=True)
    try:
        code = awscli.clidriver.AWSCLIEntryPoint().main(args)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        for w in (sys.stdout, sys.stderr):
            w.flush()
            w.detach()
        sys.stdout, sys.stderr = reply, sys.__stderr__
    text = {'out': out.getvalue().decode('utf-8', 'replace'), 'err': err.getvalue().decode('utf-8', 'replace')}
    reply.write(json.dumps({'code': code, **text}) + '\n')
    reply.flush()
