/**
 * Step 1 and Step 2 of the wizard, each ending with **Click here** (R5: Step 2 waits for Step 1),
 * with progress and a specific error and retry per step.
 */
import {
  Body1,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  Text,
} from '@fluentui/react-components';
import { CheckmarkCircleRegular } from '@fluentui/react-icons';
import { formatTime } from '../../app/format.js';
import { useTab } from '../../app/tab-context.js';
import { useWizardStyles } from './useWizardStyles.styles.js';
import type { ConsentStepResult } from '../../app/consent-flow.js';
import type { ConsentStepView } from '@cas/contracts';
import type { ConsentStep } from '@cas/core';
import type { ReactNode } from 'react';

/** Progress of one step in this visit of the wizard. */
export type StepProgress =
  | { readonly status: 'idle' }
  | { readonly status: 'waiting' }
  | { readonly status: 'done'; readonly result: ConsentStepResult };

/** Props of {@link ConsentSteps}. */
export interface ConsentStepsProps {
  /** The service's consent steps, in order. */
  readonly steps: readonly ConsentStepView[];
  /** Progress per step in this visit. */
  readonly progress: Readonly<Partial<Record<ConsentStep, StepProgress>>>;
  /** Starts a step; must run synchronously in the click. */
  readonly onStart: (step: ConsentStep) => void;
  /** False when the signed-in user may not consent (not a Global Administrator). */
  readonly canConsent: boolean;
}

/** The consent steps list. */
export function ConsentSteps({ steps, progress, onStart, canConsent }: ConsentStepsProps): ReactNode {
  const styles = useWizardStyles();
  const { locale } = useTab();
  return (
    <ol className={styles.steps} aria-label="Consent steps">
      {steps.map((step, index) => {
        const previous = steps[index - 1];
        const blocked = previous !== undefined && !previous.granted;
        const state = progress[step.step] ?? { status: 'idle' };
        const failed = state.status === 'done' && !state.result.ok ? state.result : null;
        return (
          <li key={step.step} className={styles.step} aria-labelledby={`step-${step.step}`}>
            <Subtitle2 as="h2" id={`step-${step.step}`} className={styles.stepTitle}>
              Step {step.stepNumber}
            </Subtitle2>
            <Body1>
              {stepInstruction(step)}{' '}
              {step.granted ? (
                <Text weight="semibold">
                  <CheckmarkCircleRegular aria-hidden /> Granted {formatTime(step.grantedAt, locale, '')}
                  {step.grantedBy ? ` by ${step.grantedBy}` : ''}
                </Text>
              ) : (
                <Link
                  as="button"
                  disabled={!canConsent || blocked || state.status === 'waiting'}
                  aria-describedby={blocked ? `step-${step.step}-blocked` : undefined}
                  aria-label={`Click here (Step ${step.stepNumber})`}
                  onClick={() => onStart(step.step)}
                >
                  Click here
                </Link>
              )}
            </Body1>
            {step.step === 'exchangeWebServices' ? (
              <Text size={200} className={styles.ewsNotice}>
                {EWS_RETIREMENT}
              </Text>
            ) : null}
            {blocked && !step.granted ? (
              <Text id={`step-${step.step}-blocked`} size={200}>
                Finish Step {previous?.stepNumber} first.
              </Text>
            ) : null}
            {state.status === 'waiting' ? (
              <Spinner size="tiny" label="Waiting for the Microsoft sign-in window…" />
            ) : null}
            {failed ? (
              <MessageBar intent="error" role="alert">
                <MessageBarBody>
                  <MessageBarTitle>{failed.title}</MessageBarTitle>
                  {failed.message} Click here to try again.
                </MessageBarBody>
              </MessageBar>
            ) : null}
            {state.status === 'done' && state.result.ok ? (
              <MessageBar intent="success">
                <MessageBarBody>{state.result.message}</MessageBarBody>
              </MessageBar>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

/**
 * Said once, plainly, wherever the wizard asks for the EWS consent (issue 17): Microsoft's own dates
 * for Exchange Online; Graph alone is the way forward (docs/ews-retirement.md).
 */
export const EWS_RETIREMENT =
  'Exchange Web Services (EWS) in Exchange Online is blocked by default since 1 October 2026 and shuts down on 1 April 2027.';

/**
 * The source guide's instruction around what the step grants, naming the step's own app
 * registration (the name its consent page shows); the purpose is the API's own words for the step
 * (it differs per service and with the EWS setting), never a copy kept here.
 */
function stepInstruction(step: ConsentStepView): string {
  return `Sign in with your Office 365 Global Administrator credentials and click Accept to grant ${step.appName} permissions ${step.purpose} (${step.roles.join(', ')}).`;
}
