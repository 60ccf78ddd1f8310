/**
 * **Available Targets** (**By User**, **By Group**) and **Selected Targets** with the arrow
 * buttons between them and the 100-user counter (R7, R8).
 */
import { MAX_SELECTED_TARGETS } from '@cas/core';
import {
  Button,
  Checkbox,
  Field,
  Input,
  Spinner,
  Subtitle2,
  Tab,
  TabList,
  Text,
} from '@fluentui/react-components';
import {
  ArrowLeftRegular,
  ArrowRightRegular,
  ChevronDownRegular,
  ChevronRightRegular,
} from '@fluentui/react-icons';
import { useState } from 'react';
import { formatCount } from '../../app/format.js';
import { useTab } from '../../app/tab-context.js';
import { SelectedTargetsPane } from './SelectedTargetsPane.js';
import { useWizardStyles } from './useWizardStyles.styles.js';
import type { Candidate, GroupResult, TargetPicker as TargetPickerState } from './useTargetPicker.js';
import type { KeyboardEvent, ReactNode } from 'react';

/** Props of {@link TargetPicker}. */
export interface TargetPickerProps {
  /** State from useTargetPicker. */
  readonly picker: TargetPickerState;
}

/** The two panes and the arrows. */
export function TargetPicker({ picker }: TargetPickerProps): ReactNode {
  const styles = useWizardStyles();
  const { locale } = useTab();
  const [mode, setMode] = useState<'user' | 'group'>('user');
  const [upn, setUpn] = useState('');
  const [groupQuery, setGroupQuery] = useState('');
  const onEnter = (action: () => void) => (event: KeyboardEvent) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      action();
    }
  };
  const full = picker.selected.length >= MAX_SELECTED_TARGETS;
  return (
    <div className={styles.picker}>
      <section className={styles.pane} aria-labelledby="available-targets">
        <Subtitle2 as="h3" id="available-targets">
          Available Targets
        </Subtitle2>
        <TabList
          selectedValue={mode}
          onTabSelect={(_, data) => setMode(data.value === 'group' ? 'group' : 'user')}
        >
          <Tab value="user">By User</Tab>
          <Tab value="group">By Group</Tab>
        </TabList>
        {mode === 'user' ? (
          <div role="tabpanel" aria-label="By User">
            <Field
              label="User principal name"
              hint="Type the exact user principal name and press Enter."
              validationMessage={picker.byUser.message ?? undefined}
              validationState={picker.byUser.message ? 'error' : 'none'}
            >
              <Input
                value={upn}
                type="email"
                placeholder="name@contoso.onmicrosoft.com"
                onChange={(_, data) => setUpn(data.value)}
                onKeyDown={onEnter(() => void picker.verifyUser(upn))}
              />
            </Field>
            {picker.byUser.status === 'loading' ? <Spinner size="tiny" label="Verifying…" /> : null}
            {picker.byUser.found ? (
              <ul className={styles.list} aria-label="Verified user">
                <CandidateRow candidate={picker.byUser.found} picker={picker} />
              </ul>
            ) : null}
          </div>
        ) : (
          <div role="tabpanel" aria-label="By Group">
            <Field
              label="Group name"
              hint="Type at least the first three characters of the group name and press Enter."
              validationMessage={picker.byGroup.message ?? undefined}
              validationState={picker.byGroup.message ? 'error' : 'none'}
            >
              <Input
                value={groupQuery}
                onChange={(_, data) => setGroupQuery(data.value)}
                onKeyDown={onEnter(() => void picker.searchGroups(groupQuery))}
              />
            </Field>
            {picker.byGroup.status === 'loading' ? <Spinner size="tiny" label="Searching…" /> : null}
            {picker.byGroup.groups && picker.byGroup.groups.length > 0 ? (
              <ul className={styles.list} aria-label="Groups found">
                {picker.byGroup.groups.map((entry) => {
                  const expanded = entry.users !== 'collapsed';
                  const users = typeof entry.users === 'object' && 'list' in entry.users ? entry.users : null;
                  const allChecked =
                    users !== null &&
                    users.list.length > 0 &&
                    users.list.every((c) => picker.checkedAvailable.has(c.key));
                  return (
                    <li key={entry.group.id}>
                      <Button
                        appearance="subtle"
                        icon={expanded ? <ChevronDownRegular /> : <ChevronRightRegular />}
                        aria-expanded={expanded}
                        onClick={() => void picker.toggleGroup(entry.group.id)}
                      >
                        {entry.group.displayName}
                      </Button>
                      {entry.users === 'loading' ? <Spinner size="tiny" label="Loading users…" /> : null}
                      {typeof entry.users === 'object' && 'error' in entry.users ? (
                        <Text role="alert">{entry.users.error}</Text>
                      ) : null}
                      {users ? (
                        <ul className={styles.nested} aria-label={`Users of ${entry.group.displayName}`}>
                          {users.list.length > 1 ? (
                            <li>
                              <Checkbox
                                label={`All ${formatCount(users.list.length, locale)} users of ${entry.group.displayName}`}
                                checked={allChecked}
                                onChange={(_, data) =>
                                  users.list.forEach((c) =>
                                    picker.toggleAvailable(c.key, data.checked === true),
                                  )
                                }
                              />
                            </li>
                          ) : null}
                          {users.list.length === 0 && users.excluded.length === 0 ? (
                            <li>This group has no users.</li>
                          ) : null}
                          {users.excluded.length > 0 ? (
                            <li>
                              <ExcludedUsers groupId={entry.group.id} excluded={users.excluded} />
                            </li>
                          ) : null}
                          {users.more ? (
                            <li>
                              <Text size={200}>
                                Showing the first {formatCount(users.list.length, locale)} users: at most 100
                                can be selected.
                              </Text>
                            </li>
                          ) : null}
                          {users.list.map((candidate) => (
                            <CandidateRow key={candidate.key} candidate={candidate} picker={picker} />
                          ))}
                        </ul>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            ) : null}
          </div>
        )}
      </section>
      <div className={styles.arrows}>
        <Button
          icon={<ArrowRightRegular />}
          aria-label="Add the selected users to Selected Targets"
          disabled={full && picker.checkedAvailable.size === 0}
          onClick={picker.addChecked}
        />
        <Button
          icon={<ArrowLeftRegular />}
          aria-label="Remove the selected users from Selected Targets"
          onClick={picker.removeChecked}
        />
      </div>
      <SelectedTargetsPane
        count={`${formatCount(picker.selected.length, locale)} of ${formatCount(MAX_SELECTED_TARGETS, locale)} users selected`}
        message={picker.moveMessage}
        emptyText="No users selected yet. You can synchronize a maximum of 100 users."
      >
        {picker.selected.map((target) => (
          <li key={target.userId}>
            <Checkbox
              label={`${target.displayName} (${target.userPrincipalName})`}
              checked={picker.checkedSelected.has(target.userId)}
              onChange={(_, data) => picker.toggleSelected(target.userId, data.checked === true)}
            />
          </li>
        ))}
      </SelectedTargetsPane>
    </div>
  );
}

type Excluded = Extract<GroupResult['users'], { readonly excluded: unknown }>['excluded'];

const LACKS: Readonly<Record<Excluded[number]['code'], string>> = {
  user_without_mailbox: 'no mailbox',
  user_without_onedrive: 'no OneDrive',
};

/**
 * The users of a group the service has nothing of (the API left them out): one line with how many
 * and why, which expands to each user with the API's own message.
 */
function ExcludedUsers({ groupId, excluded }: { groupId: string; excluded: Excluded }): ReactNode {
  const styles = useWizardStyles();
  const { locale } = useTab();
  const [open, setOpen] = useState(false);
  const listId = `excluded-${groupId}`;
  const lacks = [...new Set(excluded.map((each) => LACKS[each.code]))].join(' or ');
  const one = excluded.length === 1;
  const summary = `${formatCount(excluded.length, locale)} ${one ? 'user' : 'users'} of this group ${one ? 'has' : 'have'} ${lacks} and ${one ? 'was' : 'were'} not added.`;
  return (
    <div role="note">
      <Button
        appearance="transparent"
        size="small"
        icon={open ? <ChevronDownRegular /> : <ChevronRightRegular />}
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen((value) => !value)}
      >
        {summary}
      </Button>
      {open ? (
        <ul id={listId} className={styles.nested} aria-label="Users not added">
          {excluded.map((each) => (
            <li key={each.user.id}>
              <Text size={200}>{each.message}</Text>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function CandidateRow({ candidate, picker }: { candidate: Candidate; picker: TargetPickerState }): ReactNode {
  const { target } = candidate;
  return (
    <li>
      <Checkbox
        label={`${target.displayName} (${target.userPrincipalName})`}
        checked={picker.checkedAvailable.has(candidate.key)}
        onChange={(_, data) => picker.toggleAvailable(candidate.key, data.checked === true)}
      />
    </li>
  );
}
